// TEMPORARY: replaced by branch guard at merge
import type { DealFields } from "./deal.js";

// Whether a model's fitted question differs from its library text only by the deal's own words. This
// stand-in is deliberately strict: the same words (whitespace and case of the first letter aside), or
// one stretch of at most three library words replaced by one to four words that the rep wrote with a
// capital letter (names: "them" -> "Globex", "the customer" -> "Kim at Globex") or the deal's competitor.
// No digits are ever accepted in what was put in.

export type FittedVerdict = { ok: true } | { ok: false; reason: string };

const words = (text: string) =>
  text
    .trim()
    .split(/\s+/)
    .filter((w) => w !== "");
const isWordChar = (c: string | undefined) => c !== undefined && /^[\p{L}\p{N}']$/u.test(c);
/** The word without the punctuation around it ("them?" -> "them"); a loop, so linear on any word. */
function bare(word: string): string {
  let start = 0;
  let end = word.length;
  while (start < end && !isWordChar(word[start])) start++;
  while (end > start && !isWordChar(word[end - 1])) end--;
  return word.slice(start, end);
}

function sourceNames(source: { text: string; deal?: DealFields }): Set<string> {
  const names = new Set<string>();
  for (const w of words(source.text)) {
    const b = bare(w);
    if (b !== "" && /^\p{Lu}/u.test(b)) names.add(b.toLowerCase());
  }
  for (const w of words(source.deal?.competitor ?? "")) names.add(bare(w).toLowerCase());
  return names;
}

export function checkFitted(
  libraryText: string,
  fitted: string,
  source: { text: string; deal?: DealFields },
): FittedVerdict {
  const lib = words(libraryText);
  const fit = words(fitted);
  const same = (a: string | undefined, b: string | undefined) =>
    a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
  let head = 0;
  while (head < lib.length && head < fit.length && same(lib[head], fit[head])) head++;
  let tail = 0;
  while (
    tail < lib.length - head &&
    tail < fit.length - head &&
    same(lib[lib.length - 1 - tail], fit[fit.length - 1 - tail])
  )
    tail++;
  const removed = lib.slice(head, lib.length - tail);
  const added = fit.slice(head, fit.length - tail);
  if (removed.length === 0 && added.length === 0) return { ok: true };
  if (removed.length > 3) return { ok: false, reason: "rewrites more than a few library words" };
  if (added.length === 0 || added.length > 4)
    return { ok: false, reason: "not a substitution of deal words" };
  // The last word of a stretch may carry the library's punctuation ("them?" -> "Globex?").
  const names = sourceNames(source);
  for (const w of added) {
    const b = bare(w);
    if (/\d/.test(w)) return { ok: false, reason: "adds a number" };
    if (b === "" || !names.has(b.toLowerCase())) return { ok: false, reason: `adds "${b}", not a deal word` };
  }
  return { ok: true };
}
