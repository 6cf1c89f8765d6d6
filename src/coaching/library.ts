import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { z } from "zod";
import { PACKAGE_ROOT } from "../paths.js";
import { checkReply } from "./guard.js";
import { isPersonKind, PERSON_KINDS, type PersonKind } from "./person.js";
import { isPremise, PREMISE_IDS, type Premise, presupposedPremises, withImplied } from "./premises.js";
import { isSignalId } from "./signal-catalog.js";
import { isStage, isTheme, STAGES, type Stage, THEMES, type Theme } from "./taxonomy.js";
import { type ParsedCache, parseYamlCached, readParsedCache } from "./yaml-cache.js";

/** Written by `npm run build` (src/build-library-cache.ts). */
export const LIBRARY_CACHE_FILE = join(PACKAGE_ROOT, "dist", "library-cache.json");

// The prompt library is data (prompts/*.yml), validated at load. Unknown keys are errors so that a typo
// in an organisation's own library ("follow_up:") is reported instead of silently ignored.

const text = z.string().trim().min(1, "text is empty");
const idPattern = /^[a-z0-9_]+(\.[a-z0-9][a-z0-9-]*)+$/;
const questionId = z.string().regex(idPattern, "id must look like theme.slug (lower case, dots and dashes)");

const FollowUpSchema = z.strictObject({ id: questionId, text });
const QuestionSchema = z.strictObject({
  id: questionId,
  text: text.optional(),
  stages: z.array(z.string()).min(1).optional(),
  follow_ups: z.array(FollowUpSchema).max(5).optional(),
  /**
   * Words that must appear in the rep's message for this question to be asked ("loved" for "When they
   * said they loved the demo, ..."). A question with cues is asked only when one matches, and first.
   */
  cues: z.array(z.string().trim().min(2)).optional(),
  /**
   * What the question takes for granted (premise ids, src/coaching/premises.ts): it is asked only when the
   * rep's text or the deal fields establish each of them. Its follow-ups share the declaration.
   */
  presupposes: z.array(z.string()).optional(),
  /**
   * A broad open question about the customer's goals and problem or the rep's own view, fit for any
   * situation: asked, in rotation, when the reading of the rep's text is weak (select.ts). It may not
   * presuppose anything or have cues.
   */
  broad: z.boolean().optional(),
  /** An organisation's library may switch off a built-in question by id. */
  disabled: z.boolean().optional(),
});
const ThemeFileSchema = z.strictObject({
  id: z.string(),
  title: text.optional(),
  description: text.optional(),
  signals: z.array(z.string()).optional(),
  stages: z.array(z.string()).optional(),
  // Questions are validated one by one so one bad entry does not hide the problems of the others.
  questions: z.array(z.unknown()).default([]),
});
const ReflectionSchema = z.strictObject({
  id: questionId,
  focus: z.enum(["week", "patterns", "accountability", "customer_success"]),
  theme: z.string(),
  text,
  disabled: z.boolean().optional(),
});
const ReflectionsFileSchema = z.strictObject({ reflections: z.array(z.unknown()) });
// Caring questions (prompts/person.yml): asked instead of deal questions when the rep writes about
// themselves (docs/person.md). No stages, cues or follow-ups: they are about the person, not a deal.
const CaringSchema = z.strictObject({
  id: questionId,
  text: text.optional(),
  /** The readings it fits (src/coaching/person.ts); without it, any. */
  for: z.array(z.string()).min(1).optional(),
  disabled: z.boolean().optional(),
});
const PersonFileSchema = z.strictObject({ questions: z.array(z.unknown()) });

export interface FollowUp {
  id: string;
  text: string;
  parentId: string;
}
export interface Question {
  id: string;
  theme: Theme;
  text: string;
  stages: readonly Stage[];
  followUps: readonly FollowUp[];
  /** Lower-case words or phrases; empty for a question that fits any message of its theme. */
  cues: readonly string[];
  /** The cues compiled into one pattern at load (coach() tests it on every call); null without cues. */
  cuePattern: RegExp | null;
  /** Premises that must be established before this question is asked; empty for none. */
  presupposes: readonly Premise[];
  /** Asked in rotation when the reading is weak; presupposes nothing and has no cues. */
  broad: boolean;
}
export interface ThemeDef {
  id: Theme;
  title: string;
  description: string;
  signals: readonly string[];
  stages: readonly Stage[];
  questions: readonly Question[];
}
export type ReflectionFocus = z.infer<typeof ReflectionSchema>["focus"];
export interface Reflection {
  id: string;
  focus: ReflectionFocus;
  theme: Theme;
  text: string;
}
export interface CaringQuestion {
  id: string;
  text: string;
  /** The person readings it fits, never empty. */
  kinds: readonly PersonKind[];
}
export interface Library {
  themes: ReadonlyMap<Theme, ThemeDef>;
  /** Every question and follow-up by id (deal questions only: caring questions are not among them). */
  questions: ReadonlyMap<string, Question | FollowUp>;
  reflections: readonly Reflection[];
  /** Caring questions, asked when the rep writes about themselves rather than a deal. */
  person: readonly CaringQuestion[];
}
export interface LibraryProblem {
  file: string;
  id: string;
  reason: string;
}

export class LibraryError extends Error {
  constructor(readonly problems: readonly LibraryProblem[]) {
    super(
      `prompt library has ${problems.length} problem(s):\n${problems.map((p) => `${p.file}: ${p.id}: ${p.reason}`).join("\n")}`,
    );
  }
}

interface Draft {
  themes: Map<Theme, ThemeDef & { questions: Question[] }>;
  reflections: Map<string, Reflection>;
  person: Map<string, CaringQuestion>;
  origin: Map<string, string>; // id -> file, for error messages
}

function zodProblems(file: string, error: z.ZodError, doc: unknown, prefix = ""): LibraryProblem[] {
  return error.issues.map((issue) => {
    // Name the entry's id when it has one, so the problem can be found in the file.
    const ownId = (doc as { id?: unknown } | undefined)?.id;
    let id = typeof ownId === "string" ? ownId : "(file)";
    let node: unknown = doc;
    for (const key of issue.path) {
      node = (node as Record<PropertyKey, unknown> | undefined)?.[key as PropertyKey];
      const maybeId = (node as { id?: unknown } | undefined)?.id;
      if (typeof maybeId === "string") id = maybeId;
    }
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
    return { file, id, reason: `${path || "(root)"}: ${issue.message}` };
  });
}

let parsedCache: ParsedCache | undefined;

function readYaml(path: string, problems: LibraryProblem[]): unknown {
  try {
    parsedCache ??= readParsedCache(LIBRARY_CACHE_FILE);
    return parseYamlCached(readFileSync(path, "utf8"), parsedCache);
  } catch (err) {
    problems.push({
      file: path,
      id: "(file)",
      reason: `invalid YAML: ${(err as Error).message.split("\n")[0]}`,
    });
    return undefined;
  }
}

function cuePattern(cues: readonly string[]): RegExp | null {
  if (cues.length === 0) return null;
  return new RegExp(cues.map((c) => c.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"));
}

function checkPremises(
  file: string,
  id: string,
  declared: readonly string[],
  problems: LibraryProblem[],
): Premise[] {
  const good: Premise[] = [];
  for (const p of declared) {
    if (isPremise(p)) good.push(p);
    else
      problems.push({
        file,
        id,
        reason: `unknown premise "${p}" in presupposes (known: ${PREMISE_IDS.join(", ")})`,
      });
  }
  return good;
}

/**
 * A question whose wording takes something for granted must say so, or the selector would ask it where
 * it makes no sense ("this close date" to a rep who has none). The word lists are in premises.ts; a
 * premise implied by a declared one (a renewal implies an existing client) counts as declared.
 */
function checkDeclared(
  file: string,
  id: string,
  value: string,
  declared: readonly Premise[],
  problems: LibraryProblem[],
): void {
  const have = withImplied(declared);
  const missing = presupposedPremises(value).filter((p) => !have.has(p));
  if (missing.length > 0)
    problems.push({
      file,
      id,
      reason: `wording presupposes ${missing.join(", ")} but the question does not declare it: add presupposes: [${[...declared, ...missing].join(", ")}] to the question, or reword it`,
    });
}

function checkStages(
  file: string,
  id: string,
  stages: readonly string[],
  problems: LibraryProblem[],
): Stage[] {
  const good: Stage[] = [];
  for (const s of stages) {
    if (isStage(s)) good.push(s);
    else problems.push({ file, id, reason: `unknown stage "${s}" (known: ${STAGES.join(", ")})` });
  }
  return good;
}

function checkText(file: string, id: string, value: string, problems: LibraryProblem[]): void {
  const verdict = checkReply(value);
  if (!verdict.ok)
    problems.push({ file, id, reason: `guard rejects "${value}": ${verdict.reasons.join(", ")}` });
}

function claimId(
  draft: Draft,
  file: string,
  id: string,
  problems: LibraryProblem[],
  override: boolean,
): boolean {
  const previous = draft.origin.get(id);
  if (previous !== undefined && (!override || previous === file)) {
    problems.push({ file, id, reason: `duplicate id (also in ${previous})` });
    return false;
  }
  draft.origin.set(id, file);
  return true;
}

function mergeThemeFile(
  draft: Draft,
  file: string,
  raw: unknown,
  override: boolean,
  problems: LibraryProblem[],
) {
  const parsed = ThemeFileSchema.safeParse(raw);
  if (!parsed.success) {
    problems.push(...zodProblems(file, parsed.error, raw));
    return;
  }
  const doc = parsed.data;
  const expected = basename(file).replace(/\.ya?ml$/, "");
  if (!isTheme(doc.id)) {
    problems.push({ file, id: doc.id, reason: `unknown theme "${doc.id}" (known: ${THEMES.join(", ")})` });
    return;
  }
  if (doc.id !== expected)
    problems.push({ file, id: doc.id, reason: `theme id must match the file name "${expected}"` });
  const theme = doc.id;
  for (const s of doc.signals ?? []) {
    if (!isSignalId(s)) problems.push({ file, id: theme, reason: `unknown signal "${s}"` });
  }
  const existing = draft.themes.get(theme);
  if (!existing && (!doc.title || !doc.description || !doc.stages)) {
    problems.push({ file, id: theme, reason: "a new theme file needs title, description and stages" });
  }
  const def = existing ?? {
    id: theme,
    title: doc.title ?? theme,
    description: doc.description ?? "",
    signals: [],
    stages: [],
    questions: [],
  };
  if (doc.title) def.title = doc.title;
  if (doc.description) def.description = doc.description;
  if (doc.signals) def.signals = doc.signals.filter(isSignalId);
  if (doc.stages) def.stages = checkStages(file, theme, doc.stages, problems);
  draft.themes.set(theme, def);

  for (const [i, rawQuestion] of doc.questions.entries()) {
    const parsedQuestion = QuestionSchema.safeParse(rawQuestion);
    if (!parsedQuestion.success) {
      problems.push(...zodProblems(file, parsedQuestion.error, rawQuestion, `questions.${i}`));
      continue;
    }
    const q = parsedQuestion.data;
    const index = def.questions.findIndex((x) => x.id === q.id);
    if (!q.id.startsWith(`${theme}.`))
      problems.push({ file, id: q.id, reason: `question id must start with "${theme}."` });
    if (q.disabled) {
      if (index >= 0) def.questions.splice(index, 1);
      else problems.push({ file, id: q.id, reason: "disables a question that does not exist" });
      continue;
    }
    if (!q.text || !q.stages) {
      problems.push({ file, id: q.id, reason: "a question needs text and stages" });
      continue;
    }
    if (!claimId(draft, file, q.id, problems, override && index >= 0)) continue;
    checkText(file, q.id, q.text, problems);
    const presupposes = checkPremises(file, q.id, q.presupposes ?? [], problems);
    checkDeclared(file, q.id, q.text, presupposes, problems);
    if (q.broad && (presupposes.length > 0 || (q.cues ?? []).length > 0))
      problems.push({
        file,
        id: q.id,
        reason: "a broad question is asked on a weak reading, so it may not presuppose anything or have cues",
      });
    const followUps: FollowUp[] = [];
    for (const f of q.follow_ups ?? []) {
      if (!f.id.startsWith(`${q.id}.`))
        problems.push({ file, id: f.id, reason: `follow-up id must start with "${q.id}."` });
      if (!claimId(draft, file, f.id, problems, override)) continue;
      checkText(file, f.id, f.text, problems);
      checkDeclared(file, f.id, f.text, presupposes, problems);
      followUps.push({ id: f.id, text: f.text, parentId: q.id });
    }
    const question: Question = {
      id: q.id,
      theme,
      text: q.text,
      stages: checkStages(file, q.id, q.stages, problems),
      followUps,
      cues: (q.cues ?? []).map((c) => c.toLowerCase()),
      cuePattern: cuePattern(q.cues ?? []),
      presupposes,
      broad: q.broad === true,
    };
    if (index >= 0) def.questions[index] = question;
    else def.questions.push(question);
  }
}

function mergeReflections(
  draft: Draft,
  file: string,
  raw: unknown,
  override: boolean,
  problems: LibraryProblem[],
) {
  const parsed = ReflectionsFileSchema.safeParse(raw);
  if (!parsed.success) {
    problems.push(...zodProblems(file, parsed.error, raw));
    return;
  }
  for (const [i, rawReflection] of parsed.data.reflections.entries()) {
    const parsedReflection = ReflectionSchema.safeParse(rawReflection);
    if (!parsedReflection.success) {
      problems.push(...zodProblems(file, parsedReflection.error, rawReflection, `reflections.${i}`));
      continue;
    }
    const r = parsedReflection.data;
    if (r.disabled) {
      draft.reflections.delete(r.id);
      continue;
    }
    if (!isTheme(r.theme)) {
      problems.push({ file, id: r.id, reason: `unknown theme "${r.theme}"` });
      continue;
    }
    if (!claimId(draft, file, r.id, problems, override && draft.reflections.has(r.id))) continue;
    checkText(file, r.id, r.text, problems);
    draft.reflections.set(r.id, { id: r.id, focus: r.focus, theme: r.theme, text: r.text });
  }
}

function mergePerson(
  draft: Draft,
  file: string,
  raw: unknown,
  override: boolean,
  problems: LibraryProblem[],
) {
  const parsed = PersonFileSchema.safeParse(raw);
  if (!parsed.success) {
    problems.push(...zodProblems(file, parsed.error, raw));
    return;
  }
  for (const [i, rawQuestion] of parsed.data.questions.entries()) {
    const parsedQuestion = CaringSchema.safeParse(rawQuestion);
    if (!parsedQuestion.success) {
      problems.push(...zodProblems(file, parsedQuestion.error, rawQuestion, `questions.${i}`));
      continue;
    }
    const q = parsedQuestion.data;
    if (!q.id.startsWith("person."))
      problems.push({ file, id: q.id, reason: 'id must start with "person."' });
    if (q.disabled) {
      if (!draft.person.delete(q.id))
        problems.push({ file, id: q.id, reason: "disables a question that does not exist" });
      continue;
    }
    if (!q.text) {
      problems.push({ file, id: q.id, reason: "a caring question needs text" });
      continue;
    }
    if (!claimId(draft, file, q.id, problems, override && draft.person.has(q.id))) continue;
    checkText(file, q.id, q.text, problems);
    // A caring question takes nothing about a deal for granted: it is asked whatever the deal.
    checkDeclared(file, q.id, q.text, [], problems);
    const kinds: PersonKind[] = [];
    for (const k of q.for ?? PERSON_KINDS) {
      if (isPersonKind(k)) kinds.push(k);
      else
        problems.push({
          file,
          id: q.id,
          reason: `unknown reading "${k}" in for (known: ${PERSON_KINDS.join(", ")})`,
        });
    }
    draft.person.set(q.id, { id: q.id, text: q.text, kinds });
  }
}

function mergeDir(draft: Draft, dir: string, override: boolean, problems: LibraryProblem[]): void {
  const themesDir = join(dir, "themes");
  if (existsSync(themesDir)) {
    for (const name of readdirSync(themesDir).sort()) {
      if (!/\.ya?ml$/.test(name)) continue;
      const file = join(themesDir, name);
      const raw = readYaml(file, problems);
      if (raw !== undefined) mergeThemeFile(draft, file, raw, override, problems);
    }
  }
  for (const name of ["reflections.yml", "reflections.yaml"]) {
    const file = join(dir, name);
    if (!existsSync(file)) continue;
    const raw = readYaml(file, problems);
    if (raw !== undefined) mergeReflections(draft, file, raw, override, problems);
  }
  for (const name of ["person.yml", "person.yaml"]) {
    const file = join(dir, name);
    if (!existsSync(file)) continue;
    const raw = readYaml(file, problems);
    if (raw !== undefined) mergePerson(draft, file, raw, override, problems);
  }
}

/**
 * Reads the built-in library and, optionally, an organisation's own directory of the same shape merged
 * over it (same ids replace, new ids add, `disabled: true` removes). Returns every problem found rather
 * than stopping at the first, so `deal-coach library check` can list them all.
 */
export function readLibrary(
  builtInDir: string,
  overrideDir?: string,
): { library: Library; problems: LibraryProblem[] } {
  const problems: LibraryProblem[] = [];
  const draft: Draft = { themes: new Map(), reflections: new Map(), person: new Map(), origin: new Map() };
  if (!existsSync(builtInDir))
    problems.push({ file: builtInDir, id: "(dir)", reason: "library directory not found" });
  else mergeDir(draft, builtInDir, false, problems);
  if (overrideDir) {
    if (!existsSync(overrideDir)) {
      problems.push({ file: overrideDir, id: "(dir)", reason: "COACH_LIBRARY_DIR not found" });
    } else mergeDir(draft, overrideDir, true, problems);
  }
  for (const theme of THEMES) {
    const def = draft.themes.get(theme);
    if (!def)
      problems.push({
        file: join(builtInDir, "themes", `${theme}.yml`),
        id: theme,
        reason: "theme file missing",
      });
    else if (def.questions.length === 0)
      problems.push({ file: builtInDir, id: theme, reason: "theme has no questions" });
  }
  if (draft.person.size === 0)
    problems.push({
      file: join(builtInDir, "person.yml"),
      id: "(file)",
      reason: "no caring questions: a rep who writes about themselves would get deal questions",
    });
  const questions = new Map<string, Question | FollowUp>();
  for (const def of draft.themes.values()) {
    for (const q of def.questions) {
      questions.set(q.id, q);
      for (const f of q.followUps) questions.set(f.id, f);
    }
  }
  return {
    library: {
      themes: draft.themes,
      questions,
      reflections: [...draft.reflections.values()],
      person: [...draft.person.values()],
    },
    problems,
  };
}

/** Loads the library or throws a LibraryError listing every problem. */
export function loadLibrary(builtInDir: string, overrideDir?: string): Library {
  const { library, problems } = readLibrary(builtInDir, overrideDir);
  if (problems.length > 0) throw new LibraryError(problems);
  return library;
}

export function isFollowUp(entry: Question | FollowUp): entry is FollowUp {
  return "parentId" in entry;
}
