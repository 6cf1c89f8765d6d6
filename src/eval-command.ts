import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { z } from "zod";
import { parse, UsageError } from "./cli-args.js";
import { CLI_TEAM, cliCoacher } from "./cli-llm.js";
import type { DealFields, Situation } from "./coaching/deal.js";
import { type FitScore, type ScoredCase, scoreCases } from "./coaching/fit-score.js";
import { clipFor } from "./coaching/input-limits.js";
import type { Library } from "./coaching/library.js";
import { readPremises } from "./coaching/premise-reader.js";
import { isPremise, type Premise } from "./coaching/premises.js";
import { extractSignals } from "./coaching/signals.js";
import { isStage, isTheme, type Theme } from "./coaching/taxonomy.js";
import type { CallReport } from "./llm/model-coacher.js";

// `deal-coach eval FILE.jsonl [--llm] [--json]` (README "Measure a model before turning it on"): the
// questions for labelled situations, scored as the fit benchmark scores the library
// (src/coaching/fit-score.ts), with where each reply came from, the model's fallbacks by kind, its
// tokens and the latency of each reply. A team runs it on its own data, with and without --llm.

const EvalLine = z.object({
  text: z.string().trim().min(1, "text is empty"),
  deal: z.unknown().optional(),
  stage: z.string().optional(),
  themes: z.array(z.string()).min(1, "themes: give at least one"),
  premises: z.array(z.string()).optional(),
});

export interface EvalReport extends Omit<FitScore, "violations"> {
  violations: Array<{ line: number; questionId: string; premises: Premise[] }>;
  badLines: Array<{ line: number; error: string }>;
  sources: { llm: number; library: number };
  fallbacks: Record<string, number>;
  tokens: { total: number; perCall: number };
  latencyMs: { p50: number; p99: number; max: number };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export interface EvalDeps {
  load: () => Library;
  help: () => number;
  /** The CLI's reading of a given deal (as `ask --jsonl` reads one). */
  dealOf: (deal: unknown) => DealFields | undefined;
}

function parseLine(raw: string, deps: EvalDeps) {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error("invalid JSON line");
  }
  const parsed = EvalLine.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${issue?.path.join(".") || "line"}: ${issue?.message}`);
  }
  const { text, stage, themes, premises } = parsed.data;
  const unknownTheme = themes.find((t) => !isTheme(t));
  if (unknownTheme) throw new Error(`themes: unknown theme "${unknownTheme}"`);
  const unknownPremise = premises?.find((p) => !isPremise(p));
  if (unknownPremise) throw new Error(`premises: unknown premise "${unknownPremise}"`);
  if (stage !== undefined && !isStage(stage)) throw new Error(`stage: unknown stage "${stage}"`);
  const situation: Situation = {
    text: clipFor("situation", text),
    ...(stage !== undefined && isStage(stage) ? { stage } : {}),
  };
  const deal = deps.dealOf(parsed.data.deal);
  if (deal) situation.deal = deal;
  return { situation, themes: themes as Theme[], premises: premises as Premise[] | undefined };
}

/** What the situation establishes as the coach reads it, when the line does not say. */
function readEstablished(situation: Situation): Premise[] {
  const report = extractSignals(situation);
  const stated = report.stageSource === "given" || report.stageSource === "fields";
  return [
    ...readPremises({
      lower: report.lower,
      fields: report.fields,
      statedStage: stated ? report.stage : undefined,
    }),
  ];
}

export async function evalCommand(args: string[], deps: EvalDeps): Promise<number> {
  const { values, positionals } = parse(args, { llm: { type: "boolean" }, json: { type: "boolean" } });
  if (values.help) return deps.help();
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0)
    throw new UsageError("eval needs one FILE.jsonl, e.g. deal-coach eval cases.jsonl");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`${file}: ${(err as NodeJS.ErrnoException).code ?? "cannot read"}`);
  }
  const library = deps.load();
  let last: CallReport | undefined;
  const coacher = await cliCoacher(library, { llm: values.llm, byDefault: false }, (r) => {
    last = r;
  });
  const cases: ScoredCase[] = [];
  const badLines: EvalReport["badLines"] = [];
  const latencies: number[] = [];
  const sources = { llm: 0, library: 0 };
  const fallbacks: Record<string, number> = {};
  let tokens = 0;
  let calls = 0;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    if (raw.trim() === "") continue;
    let line: ReturnType<typeof parseLine>;
    try {
      line = parseLine(raw, deps);
    } catch (err) {
      badLines.push({ line: i + 1, error: (err as Error).message });
      continue;
    }
    last = undefined;
    const started = performance.now();
    const result = await coacher.coach({ situation: line.situation, teamId: CLI_TEAM });
    latencies.push(performance.now() - started);
    sources[result.source]++;
    if (last) {
      const r: CallReport = last;
      if (r.result !== "no_candidates") calls++;
      tokens += r.tokens;
      if (r.result !== "llm" && r.result !== "no_candidates")
        fallbacks[r.result] = (fallbacks[r.result] ?? 0) + 1;
      if (r.picksFailed > 0) fallbacks.pick_replaced = (fallbacks.pick_replaced ?? 0) + r.picksFailed;
    }
    cases.push({
      id: String(i + 1),
      themes: line.themes,
      premises: line.premises ?? readEstablished(line.situation),
      questions: result.questions,
    });
  }
  const score = scoreCases(cases);
  const sorted = [...latencies].sort((a, b) => a - b);
  const report: EvalReport = {
    ...score,
    violations: score.violations.map((v) => ({
      line: Number(v.caseId),
      questionId: v.questionId,
      premises: v.premises,
    })),
    badLines,
    sources,
    fallbacks,
    tokens: { total: tokens, perCall: calls === 0 ? 0 : Math.round(tokens / calls) },
    latencyMs: {
      p50: Math.round(percentile(sorted, 50)),
      p99: Math.round(percentile(sorted, 99)),
      max: Math.round(sorted[sorted.length - 1] ?? 0),
    },
  };
  process.stdout.write(`${values.json ? JSON.stringify(report) : formatReport(report, coacher.usesModel)}\n`);
  return badLines.length > 0 ? 1 : 0;
}

function formatReport(r: EvalReport, model: boolean): string {
  const counts = (o: Record<string, number>) =>
    Object.entries(o)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ") || "none";
  const lines = [
    `cases: ${r.cases}${r.badLines.length > 0 ? ` (${r.badLines.length} bad lines: ${r.badLines.map((b) => `line ${b.line}: ${b.error}`).join("; ")})` : ""}`,
    `relevance: ${r.relevance.toFixed(3)} (first question fits ${r.firstFits}, only a later one ${r.onlyLaterFits})`,
    `premise violations: ${r.violations.length} of ${r.questions} questions, in ${r.casesWithViolation} cases`,
    `source: llm ${r.sources.llm}, library ${r.sources.library}${model ? "" : " (library alone; --llm for the model)"}`,
    `fallbacks: ${counts(r.fallbacks)}`,
    `tokens: ${r.tokens.total} (${r.tokens.perCall} per call)`,
    `latency: p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms`,
  ];
  for (const v of r.violations)
    lines.push(`  line ${v.line}: ${v.questionId} presupposes ${v.premises.join(", ")}`);
  return lines.join("\n");
}
