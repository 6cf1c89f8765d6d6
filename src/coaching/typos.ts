// Reps type fast: "compeititor", "budjet", "objectoins". Words close to a routing keyword are read as that
// keyword before the patterns run. Only longer words are corrected, only within one or two edits, and
// only when the first letter matches (typos rarely hit it), which keeps this cheap on the hot path.

const KEYWORDS = [
  "competitor",
  "competitors",
  "competition",
  "budget",
  "objection",
  "objections",
  "pushback",
  "procurement",
  "contract",
  "renewal",
  "incumbent",
  "discount",
  "pricing",
  "expensive",
  "champion",
  "proposal",
  "negotiation",
  "formality",
  "quarter",
  "ghosted",
  "security",
  "priority",
  "economic",
  "evaluating",
  "integration",
  "requirements",
  "references",
  "adoption",
  "outage",
  "signature",
  "unresponsive",
  "frustrated",
  "instructions",
];

// Real words one edit away from a keyword that must stay themselves.
const PROTECTED = new Set([
  "contact",
  "contacts",
  "contrast",
  "outrage",
  "budged",
  "budgets",
  "champions",
  "proposals",
  "reference",
  "quarters",
  "quartet",
  "objections",
  "priorities",
  "securely",
  "competing",
  "compete",
  "complete",
  "competent",
  "evaluation",
  "integrations",
]);

const BY_FIRST_LETTER = new Map<string, string[]>();
for (const word of KEYWORDS) {
  const bucket = BY_FIRST_LETTER.get(word[0] as string) ?? [];
  bucket.push(word);
  BY_FIRST_LETTER.set(word[0] as string, bucket);
}

// Three rows of the distance table, reused by every call (correctTypos runs on every message, over every
// longer word): grown when a longer word comes, never allocated per call.
let rows = [new Int32Array(32), new Int32Array(32), new Int32Array(32)];

/** Optimal string alignment distance, giving up early once it exceeds `max`. */
function withinEdits(a: string, b: string, max: number): boolean {
  if (Math.abs(a.length - b.length) > max) return false;
  if ((rows[0] as Int32Array).length <= b.length) rows = rows.map(() => new Int32Array(b.length + 1));
  let prevPrev = rows[0] as Int32Array;
  let prev = rows[1] as Int32Array;
  let row = rows[2] as Int32Array;
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    row[0] = i;
    let rowMin = i;
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const cost = ai === b.charCodeAt(j - 1) ? 0 : 1;
      let d = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) {
        d = Math.min(d, (prevPrev[j - 2] as number) + 1);
      }
      row[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > max) return false;
    const spare = prevPrev;
    prevPrev = prev;
    prev = row;
    row = spare;
  }
  return (prev[b.length] as number) <= max;
}

function correctWord(word: string): string {
  if (word.length < 6 || PROTECTED.has(word)) return word;
  const bucket = BY_FIRST_LETTER.get(word[0] as string);
  if (!bucket || bucket.includes(word)) return word;
  // The closest keyword wins: try one edit across the bucket before two.
  const max = word.length >= 9 ? 2 : 1;
  for (let edits = 1; edits <= max; edits++) {
    for (const keyword of bucket) {
      if (withinEdits(word, keyword, edits)) return keyword;
    }
  }
  return word;
}

/** Lower-case text with near-miss spellings of routing keywords corrected. */
export function correctTypos(lower: string): string {
  return lower.replace(/[a-z]{6,}/g, correctWord);
}
