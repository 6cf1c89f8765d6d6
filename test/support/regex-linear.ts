import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { type AttackPattern, check, type Diagnostics } from "recheck";
import { fnv1a } from "../../src/coaching/hash.js";
import { PACKAGE_ROOT } from "../../src/paths.js";
import { type RegexSite, regexSites, topLevelAlternatives } from "./regex-census.js";

// Shared by test/unit/regex-linear-a.test.ts and regex-linear-b.test.ts, which each check half of the
// distinct parts (by a stable hash) so that the work spreads over two vitest workers.
//
// Every regular expression in src/ must run in linear time on any input: Slack, user and CRM text
// reach them (README "Input limits"). This finds them itself, the literals by parsing the sources and
// the ones built at run time by recording every RegExp the modules build while they load, and checks
// each with recheck (a ReDoS checker). recheck uses its native binary when the optional
// recheck-linux-x64 package is installed and falls back to pure JS; both work offline.
//
// Budget: recheck gets RECHECK_BUDGET_MS in all and RECHECK_TIMEOUT_MS per part. A part it could not
// decide in time, and every part after the budget, gets a measured check instead: the whole pattern
// against 50,000-character runs of each character and word it names, each under MEASURED_LIMIT_MS of
// CPU time (a quadratic pattern needs seconds on those, a linear one well under a millisecond).
// Parts are asked once per distinct part and flags, RECHECK_CONCURRENCY at a time.
// A "vulnerable" from recheck's automaton checker is a proof and fails at once; one from its fuzz checker
// alone (which on a busy machine sometimes calls a linear pattern polynomial) is confirmed by measuring
// the pattern on recheck's attack string, scaled to 50,000 characters, like an undecided part.
// A "safe" from the automaton checker is a proof too, and depends only on the part, the flags and
// recheck's version: those are kept in the temporary directory (PROVEN_FILE), so a later run (the next
// store pass, the next `npm test`) asks recheck only about parts it has not proven, as a new or edited
// pattern is. Nothing else is kept: a fuzz verdict is asked again every run.

export const RECHECK_BUDGET_MS = 150_000;
const RECHECK_TIMEOUT_MS = 5_000;
const STRESS_LENGTH = 50_000;
const MEASURED_LIMIT_MS = 400;
/**
 * Requests in flight to recheck at once. Its native agent answers JSON-RPC requests by id, so several
 * can run together; most parts are decided in milliseconds and a few take seconds, so a slow one no
 * longer holds up the rest.
 */
export const RECHECK_CONCURRENCY = 2;

/**
 * Patterns recheck calls super-linear whose extra factor is a bounded repeat: a keyword, then at most
 * 60 (or 40) characters to the next one, so the work per position is bounded and the search linear
 * (with a constant factor). recheck is not asked about them, since no verdict of its could fail them
 * and its fuzzing spent about 10 s of CPU on each run to say so; they are measured on every run instead.
 * An entry that no longer matches a pattern fails the test, so the list cannot outlive its reason.
 */
export const BOUNDED_REPEAT: Array<{ file: string; startsWith: string }> = [
  // "Key: value" pairs: a key is at most 31 characters, so the space after it is read at most 31 times.
  { file: "src/coaching/field-dump.ts", startsWith: "(?:^|[|\\n;])" },
  // "cut ... sign ... by": at most 60 and 40 characters between the three words.
  { file: "src/coaching/signals.ts", startsWith: "\\b(?:cut|trimmed|reduced" },
];

export interface Pattern {
  source: string;
  flags: string;
  /** Where it comes from, "src/x.ts:12" or "src/x.ts (built at run time)". */
  where: string;
}

/**
 * Verdicts by flags and part: the same alternative appears in many patterns (the library's cues share
 * words, files repeat clauses), and recheck's answer depends only on the part and the flags.
 */
const verdicts = new Map<string, Promise<Diagnostics | "proven" | undefined>>();

/** Where the parts recheck's automaton proved linear are kept, by recheck's version. */
const PROVEN_FILE = join(
  tmpdir(),
  "deal-coach-test",
  `recheck-proven-${(createRequire(import.meta.url)("recheck/package.json") as { version: string }).version}.json`,
);

/** Keys (flags/part) proven linear by recheck's automaton in earlier runs, and in this one. */
let proven: Set<string> | undefined;
const provenNow = new Set<string>();

/** The keys kept for later runs (flags without g and y, "/", the part). */
export function readProven(): Set<string> {
  try {
    return new Set(JSON.parse(readFileSync(PROVEN_FILE, "utf8")) as string[]);
  } catch {
    return new Set();
  }
}

/** Adds this run's proofs to the file, written aside and renamed; only a cache, so a failure is ignored. */
export function keepProven(): void {
  if (provenNow.size === 0) return;
  try {
    const all = new Set([...readProven(), ...provenNow]);
    mkdirSync(join(PROVEN_FILE, ".."), { recursive: true });
    const partial = `${PROVEN_FILE}.${randomUUID()}`;
    writeFileSync(partial, JSON.stringify([...all]));
    renameSync(partial, PROVEN_FILE);
  } catch {}
}

/** recheck's verdict on one part, asked once per distinct part and flags; "proven" by an earlier run. */
function recheckVerdict(
  source: string,
  flags: string,
  deadline: number,
): Promise<Diagnostics | "proven" | undefined> {
  const key = `${flags.replace(/[gy]/g, "")}/${source}`;
  proven ??= readProven();
  let verdict = verdicts.get(key);
  if (!verdict) {
    verdict = proven.has(key)
      ? Promise.resolve("proven" as const)
      : askRecheck(source, flags, deadline).then((found) => {
          if (found?.status === "safe" && found.checker === "automaton") provenNow.add(key);
          return found;
        });
    verdicts.set(key, verdict);
  }
  return verdict;
}

/** recheck's verdict on one part, or undefined when the budget is spent (the part is then measured). */
async function askRecheck(source: string, flags: string, deadline: number): Promise<Diagnostics | undefined> {
  // Whole milliseconds: the native agent never answers a request whose timeout is fractional.
  const left = Math.floor(deadline - performance.now());
  if (left < 500) return undefined;
  return check(source, flags.replace(/[gy]/g, ""), {
    // Wall time per request, shared with the others in flight: scaled so that a part recheck decides
    // in RECHECK_TIMEOUT_MS alone is still decided, not sent to the measured check.
    timeout: Math.min(RECHECK_TIMEOUT_MS * RECHECK_CONCURRENCY, left),
    // Fuzzing is seeded (recheck's default seed, stated): the same verdicts on every run.
    randomSeed: 0,
  });
}

/** Inputs that make a backtracking pattern show its worst: long runs of what the pattern names. */
function stressInputs(source: string): string[] {
  const chars = new Set([..." \n\t.,;:!?\"')(]*_~@<>|#=-/+a1xA"]);
  for (const ch of source.replace(/\\[a-zA-Z]/g, "")) if (ch.charCodeAt(0) > 31) chars.add(ch);
  const words = new Set(source.toLowerCase().match(/[a-z']{2,}/g) ?? []);
  const runs = (unit: string) => unit.repeat(Math.ceil(STRESS_LENGTH / unit.length)).slice(0, STRESS_LENGTH);
  return [
    ...[...chars].map((ch) => runs(ch)),
    ...[...chars].map((ch) => runs(`a${ch}`)),
    ...[...chars].map((ch) => `a${runs(ch)}a`),
    ...[...words].map((w) => runs(`${w} `)),
    ...[...words].map((w) => runs(`${w}\n`)),
    `a@${runs(".")}`,
  ];
}

/** recheck's attack string with each pump repeated to make it about STRESS_LENGTH long. */
function scaledAttack(attack: AttackPattern): string {
  const pumped = attack.pumps.reduce((n, p) => n + p.pump.length, 0) || 1;
  const times = Math.ceil(STRESS_LENGTH / pumped);
  return attack.pumps.map((p) => p.prefix + p.pump.repeat(times)).join("") + attack.suffix;
}

/**
 * The slowest of the stress inputs through the pattern, in ms of this process's CPU time, and which input
 * it was. CPU time, not wall time: a busy machine makes a run wait for a core, which wall time would
 * count, so one run settles an input (wall time took the fastest of three, and a quadratic pattern's
 * seconds three times over).
 */
function measure(pattern: Pattern, extra: string[] = []): { ms: number; input: string } {
  const re = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ""));
  let worst = { ms: 0, input: "" };
  // recheck's attacks first: the likeliest to be slow. One input over the limit settles it, so a
  // quadratic pattern costs seconds, not seconds per input.
  for (const input of [...extra, ...stressInputs(pattern.source)]) {
    const before = process.cpuUsage();
    re.exec(input);
    const used = process.cpuUsage(before);
    const ms = (used.user + used.system) / 1000;
    if (ms > worst.ms) worst = { ms, input: input.slice(0, 12) };
    if (worst.ms > MEASURED_LIMIT_MS) break;
  }
  return worst;
}

/** What the run did, printed at its end: how many parts recheck decided and how many were measured. */
export const tally = {
  patterns: 0,
  parts: 0,
  safeByRecheck: 0,
  provenBefore: 0,
  measured: 0,
  fuzzToMeasure: 0,
};

/** Runs `work` on each item with at most `limit` running at once; results in the items' order. */
export async function inPool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i] as T);
    }),
  );
  return results;
}

/**
 * Problems with a pattern: empty when linear by recheck or, where recheck could not say, by measure.
 * Given a half, only the pattern's parts in that half are asked (the other file asks the rest); a part
 * recheck calls vulnerable or cannot decide still gets the whole pattern measured, here.
 */
export async function problemsWith(pattern: Pattern, deadline: number, half?: Half): Promise<string[]> {
  const problems: string[] = [];
  let undecided = false;
  const attacks: string[] = [];
  const bounded = BOUNDED_REPEAT.some(
    (b) => pattern.where.startsWith(b.file) && pattern.source.startsWith(b.startsWith),
  );
  if (bounded) {
    // Measured once, in the half of the pattern's first part.
    const first = topLevelAlternatives(pattern.source)[0] ?? pattern.source;
    if (half !== undefined && halfOfPart(first, pattern.flags) !== half) return [];
    tally.patterns++;
    return measuredProblems(pattern, []);
  }
  const parts = topLevelAlternatives(pattern.source).filter(
    (part) => half === undefined || halfOfPart(part, pattern.flags) === half,
  );
  if (parts.length > 0) tally.patterns++;
  for (const part of parts) {
    tally.parts++;
    const verdict = await recheckVerdict(part, pattern.flags, deadline);
    if (verdict === "proven") {
      tally.provenBefore++;
      continue;
    }
    if (verdict?.status === "safe") {
      tally.safeByRecheck++;
      continue;
    }
    if (verdict?.status !== "vulnerable") undecided = true;
    if (verdict?.status === "vulnerable") attacks.push(scaledAttack(verdict.attack));
    // The automaton checker proves its verdict. The fuzz checker only found an input that looked slow
    // within its budget, and on a busy machine it calls linear patterns polynomial now and then: its
    // verdict is confirmed by measuring the pattern on its attack (below), which a quadratic pattern
    // fails by seconds.
    if (verdict?.status === "vulnerable" && verdict.checker === "fuzz") {
      tally.fuzzToMeasure++;
      continue;
    }
    if (verdict?.status === "vulnerable") {
      problems.push(
        `${pattern.where} /${pattern.source}/${pattern.flags}: ${verdict.complexity.summary} in ` +
          `/${part}/, e.g. ${JSON.stringify(verdict.attack.string.slice(0, 40))}`,
      );
    }
  }
  // Parts recheck could not decide are measured, on recheck's attacks as well.
  if (problems.length === 0 && (attacks.length > 0 || undecided)) return measuredProblems(pattern, attacks);
  return problems;
}

/** The measured check of a whole pattern: empty when no stress input took over MEASURED_LIMIT_MS. */
function measuredProblems(pattern: Pattern, attacks: string[]): string[] {
  tally.measured++;
  const worst = measure(pattern, attacks);
  if (worst.ms <= MEASURED_LIMIT_MS) return [];
  return [
    `${pattern.where} /${pattern.source}/${pattern.flags}: ${worst.ms.toFixed(0)} ms of CPU on ` +
      `${STRESS_LENGTH} chars starting ${JSON.stringify(worst.input)}`,
  ];
}

/** The patterns the modules with `new RegExp(...)` build while they load, and the library's cues. */
async function patternsBuiltAtRunTime(
  sites: RegexSite[],
): Promise<{ patterns: Pattern[]; seen: Set<string> }> {
  const patterns: Pattern[] = [];
  const seen = new Set<string>();
  const Native = globalThis.RegExp;
  const record = (re: RegExp) => {
    // The frame that called RegExp: recorded only when it is our code (yaml and zod build their own).
    const caller = new Error().stack?.split("\n")[3] ?? "";
    const at = caller.match(/\/(src\/[^:)]+\.ts):(\d+)/);
    if (!at || caller.includes("node_modules")) return;
    seen.add(`${at[1]}:${at[2]}`);
    patterns.push({ source: re.source, flags: re.flags, where: `${at[1]}:${at[2]} (built at run time)` });
  };
  const recording = new Proxy(Native, {
    construct(target, args, newTarget) {
      const re = Reflect.construct(target, args, newTarget === recording ? target : newTarget) as RegExp;
      record(re);
      return re;
    },
    apply(target, self, args) {
      const re = Reflect.apply(target, self, args) as RegExp;
      record(re);
      return re;
    },
  });
  globalThis.RegExp = recording;
  try {
    const files = [...new Set(sites.filter((s) => s.source === undefined).map((s) => s.file))];
    for (const file of files) await import(/* @vite-ignore */ `../../${file}`);
  } finally {
    globalThis.RegExp = Native;
  }
  // The cues of the built-in library, compiled at load (library.ts cuePattern).
  const { library } = await import("./library.js");
  for (const q of library.questions.values()) {
    if ("cuePattern" in q && q.cuePattern) {
      patterns.push({
        source: q.cuePattern.source,
        flags: q.cuePattern.flags,
        where: `library cues of ${q.id}`,
      });
    }
  }
  return { patterns, seen };
}

/**
 * Which of the two halves a part is checked in: a stable hash of the key recheck's verdicts are kept
 * under (flags without g and y, and the part). By part, not by pattern: the library's cues share many
 * parts, and a part both halves asked would cost both files its time.
 */
export type Half = 0 | 1;
export function halfOfPart(part: string, flags: string): Half {
  return (fnv1a(`${flags.replace(/[gy]/g, "")}/${part}`) & 1) as Half;
}

/**
 * The census: every regex site in src/, the patterns the modules build at run time, and every distinct
 * pattern (literals first, then run-time ones), keyed by flags and source. Modules load once per test
 * file, so the run-time patterns are recorded on the first call only.
 */
export interface Census {
  sites: RegexSite[];
  builtAtRunTime: Pattern[];
  seen: Set<string>;
  unique: Pattern[];
}
let census: Promise<Census> | undefined;
export function regexCensus(): Promise<Census> {
  census ??= (async () => {
    const sites = regexSites(PACKAGE_ROOT, "src");
    const { patterns: built, seen } = await patternsBuiltAtRunTime(sites);
    const literals: Pattern[] = sites
      .filter((s): s is Required<RegexSite> => s.source !== undefined)
      .map((s) => ({ source: s.source, flags: s.flags, where: `${s.file}:${s.line}` }));
    const unique = new Map<string, Pattern>();
    for (const p of [...literals, ...built]) {
      const key = `${p.flags}/${p.source}`;
      if (!unique.has(key)) unique.set(key, p);
    }
    return { sites, builtAtRunTime: built, seen, unique: [...unique.values()] };
  })();
  return census;
}

/**
 * Problems with the census's patterns in one half (empty when all are linear), and a line saying what
 * the run did. Each half gets the whole budget: the two run in separate workers, at the same time.
 */
export async function problemsInHalf(half: Half): Promise<{ problems: string[]; summary: string }> {
  const { unique } = await regexCensus();
  const started = performance.now();
  const deadline = started + RECHECK_BUDGET_MS;
  const problems: string[] = [];
  const found = await inPool(unique, RECHECK_CONCURRENCY, (p) => problemsWith(p, deadline, half));
  for (const list of found) problems.push(...list);
  keepProven();
  const seconds = (performance.now() - started) / 1000;
  const summary =
    `regex census, half ${half}: parts of ${tally.patterns} of ${unique.length} patterns, ${tally.parts} parts, ` +
    `${tally.safeByRecheck} linear by recheck (${verdicts.size} distinct parts, ` +
    `${tally.provenBefore} proven by its automaton in an earlier run, ${PROVEN_FILE}), ` +
    `${tally.measured} patterns measured (${tally.fuzzToMeasure} parts called polynomial by fuzzing alone), ${seconds.toFixed(0)} s`;
  return { problems, summary };
}
