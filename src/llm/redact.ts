// PII redaction before anything is sent to a model (REDACT_PII, on by default; docs/llm.md "What is
// sent"). E-mail addresses, phone numbers and card-like numbers are replaced by a marker. Hand-written
// scanners, no RegExp: a pattern like [\w.]+@[\w.]+ is quadratic on a long run without an "@"
// (test/unit/regex-linear-*.test.ts), and each scanner here reads every character a bounded number of times.

export const MARKERS = { email: "[email]", phone: "[phone]", card: "[card number]" } as const;

const isLocalChar = (c: string) => /^[A-Za-z0-9._%+-]$/.test(c);
const isDomainChar = (c: string) => /^[A-Za-z0-9.-]$/.test(c);
const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";
const isLetter = (c: string | undefined) => c !== undefined && /^[A-Za-z]$/.test(c);

/** Every e-mail address (local@domain.tld) replaced. Each character is read at most twice. */
export function redactEmails(text: string): string {
  let out = "";
  let copied = 0;
  let floor = 0; // nothing before this may be taken again (the end of the last address)
  for (let at = text.indexOf("@"); at >= 0; at = text.indexOf("@", at + 1)) {
    let start = at;
    while (start > floor && isLocalChar(text[start - 1] as string)) start--;
    let end = at + 1;
    while (end < text.length && isDomainChar(text[end] as string)) end++;
    // The domain ends at its last letter or digit ("bob@acme.test." keeps the full stop).
    while (end > at + 1 && !/^[A-Za-z0-9]$/.test(text[end - 1] as string)) end--;
    const domain = text.slice(at + 1, end);
    const dot = domain.lastIndexOf(".");
    const tld = dot > 0 ? domain.slice(dot + 1) : "";
    if (start === at || tld.length < 2 || ![...tld].every(isLetter)) continue;
    out += text.slice(copied, start) + MARKERS.email;
    copied = end;
    floor = end;
    at = end - 1;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

const isNumberSeparator = (c: string | undefined) => c === " " || c === "-" || c === "." || c === "/";

/**
 * Phone numbers and card-like numbers replaced: a run of digits joined by single spaces, dashes, dots,
 * slashes or brackets (and a leading +). 13 to 19 digits: a card-like number; 7 to 15 digits with a
 * separator, a leading + or brackets, or 10 to 15 bare digits: a phone number. Left alone: amounts
 * ("$1,200,000" is groups of at most three digits joined by commas, which are no separator here),
 * dates written 2026-03-31 or 31/03/2026, and any run inside a word ("Q3", "v2.1").
 */
export function redactNumbers(text: string): string {
  let out = "";
  let copied = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const opensNumber = isDigit(c) || ((c === "+" || c === "(") && isDigit(text[i + 1]));
    if (!opensNumber || isLetter(text[i - 1]) || isDigit(text[i - 1])) {
      i++;
      continue;
    }
    let end = i;
    let digits = 0;
    let marked = c === "+" || c === "(";
    const groups: string[] = [];
    let group = "";
    if (!isDigit(c)) end++;
    while (end < text.length) {
      const ch = text[end];
      if (isDigit(ch)) {
        digits++;
        group += ch;
        end++;
      } else if (
        (isNumberSeparator(ch) || ch === "(" || ch === ")") &&
        (isDigit(text[end + 1]) || (text[end + 1] === "(" && isDigit(text[end + 2])))
      ) {
        marked = true;
        groups.push(group);
        group = "";
        end++;
      } else if (ch === ")" && group.length > 0) {
        marked = true;
        end++;
      } else break;
    }
    groups.push(group);
    const wordEnd = isLetter(text[end]);
    const date = isDateLike(groups, text.slice(i, end));
    let marker: string | undefined;
    if (!wordEnd && !date) {
      if (digits >= 13 && digits <= 19) marker = MARKERS.card;
      else if (digits >= 7 && digits <= 15 && (marked || digits >= 10)) marker = MARKERS.phone;
    }
    if (marker) {
      out += text.slice(copied, i) + marker;
      copied = end;
    }
    i = Math.max(end, i + 1);
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** 2026-03-31, 31/03/2026, 03.31.2026: three groups of 4-2-2 or 2-2-4 (or 1-2 digit day and month). */
function isDateLike(groups: readonly string[], raw: string): boolean {
  const parts = groups.filter((g) => g !== "");
  if (parts.length !== 3 || raw.includes(" ")) return false;
  const [a, b, c] = parts.map((p) => p.length) as [number, number, number];
  return (a === 4 && b <= 2 && c <= 2) || (a <= 2 && b <= 2 && (c === 4 || c === 2));
}

/** The text with e-mail addresses, then phone and card-like numbers, replaced by markers. */
export function redactPii(text: string): string {
  return redactNumbers(redactEmails(text));
}
