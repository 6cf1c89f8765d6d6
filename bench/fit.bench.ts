import { coach } from "../src/coaching/coach.js";
import { type Library, loadLibrary } from "../src/coaching/library.js";
import type { Premise } from "../src/coaching/premises.js";
import { BUILT_IN_LIBRARY_DIR } from "../src/paths.js";
import { type FitCase, type FitScore, fixtureCases, realPostCases, scoreFit } from "../test/support/fit.js";
import { loadLabels, loadPosts, POSTS_FILE } from "../test/support/real-seller-posts.js";

// `npm run bench -- fit`: "Questions that fit" (BENCHMARKS.md) for the built-in library coach, on the
// tune and held_out halves of the labelled real seller posts and on the fixture messages. Figures, not
// assertions: docs/real-seller-posts.md says how they are scored.

function row(name: string, s: FitScore): string {
  const byPremise = new Map<Premise, number>();
  for (const v of s.violations) for (const p of v.premises) byPremise.set(p, (byPremise.get(p) ?? 0) + 1);
  const which = [...byPremise.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([p, n]) => `${p} ${n}`)
    .join(", ");
  return (
    `| fit: ${name} (${s.cases}) | relevance ${s.relevance.toFixed(2)} ` +
    `(first fits ${s.firstFits}, only a later one ${s.onlyLaterFits}, none ${s.cases - s.firstFits - s.onlyLaterFits}) ` +
    `| premise violations: ${s.violations.length} of ${s.questions} questions, in ${s.casesWithViolation} cases` +
    `${which ? ` (${which})` : ""} |`
  );
}

// The ownership question returned to a rep who asks what to do (README "How it chooses"). Before the
// reading of long text it answered many real posts that asked for advice, whatever they were about.
const OWNERSHIP = "self_reflection.options-you-see";

/** How often a reply carries the ownership question, and how many readings were weak. */
function replyRow(name: string, cases: readonly FitCase[], library: Library): string {
  let ownership = 0;
  let weak = 0;
  const first = new Set<string>();
  for (const c of cases) {
    const result = coach(library, c.situation);
    if (result.questions.some((q) => q.id === OWNERSHIP)) ownership++;
    if (result.confidence === "weak") {
      weak++;
      first.add(result.questions[0]?.id ?? "");
    }
  }
  return (
    `| replies: ${name} (${cases.length}) | "${OWNERSHIP}" in ${ownership} of ${cases.length} replies ` +
    `| weak readings ${weak}, with ${first.size} different first questions |`
  );
}

export function benchFit(): string[] {
  const library = loadLibrary(BUILT_IN_LIBRARY_DIR);
  const ask = (situation: FitCase["situation"]) => coach(library, situation);
  const rows: string[] = [];
  const loaded = loadPosts();
  if (loaded.posts === null) {
    rows.push(`| fit: real seller posts | skipped: ${POSTS_FILE} is absent | |`);
  } else {
    const labels = loadLabels();
    const cases = realPostCases(loaded.posts, labels);
    const split = new Map(labels.map((l) => [l.id, l.split]));
    rows.push(
      row(
        "tune real posts",
        scoreFit(
          cases.filter((c) => split.get(c.id) === "tune"),
          ask,
        ),
      ),
    );
    rows.push(
      row(
        "held_out real posts",
        scoreFit(
          cases.filter((c) => split.get(c.id) === "held_out"),
          ask,
        ),
      ),
    );
  }
  rows.push(row("fixture messages", scoreFit(fixtureCases(), ask)));
  if (loaded.posts !== null)
    rows.push(replyRow("all real posts", realPostCases(loaded.posts, loadLabels()), library));
  return rows;
}
