import type { CoachResult } from "./coaching/coach.js";
import type { Situation } from "./coaching/deal.js";
import type { Library, Question } from "./coaching/library.js";
import { premiseEvidence, readPremises } from "./coaching/premise-reader.js";
import { presupposedPremises } from "./coaching/premises.js";
import { type SelectOptions, selectQuestions } from "./coaching/select.js";

// `deal-coach ask --explain`: the coach's reading of one situation in plain words, for people who edit
// the library (README "The CLI"): what it read (stage, signals with their evidence, deal fields), how it
// ranked the themes, and why each question that went out was chosen. It re-runs the same deterministic
// selection coach() ran, so it explains exactly the reply printed above it.

const STAGE_SOURCE = {
  given: "given with --stage",
  fields: "from the deal fields",
  text: "inferred from the text",
  none: "unknown",
} as const;

const REASONS: Record<string, string> = {
  stage_fit: "the theme fits the stage (no signal asked for it)",
  foundation: "a foundation theme the text shows no evidence for yet",
  no_context: "there was too little deal content to read",
  deal_change: "the deal change calls for this theme",
  fallback: "nothing else passed the guard",
  weak_reading: "the reading is weak, so a broad open question about the customer instead of a guess",
  rep_view: "the reading is weak, so a broad question on the rep's own view",
  ownership:
    "the rep asked what to do, so the ownership goes back to them in a broad question on their own view",
};

const PLACE = {
  focus: "in the title or the rep's own question",
  repeated: "more than once in the story",
  story: "once, in passing, in the story",
} as const;

function quote(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max - 1)}…` : flat);
}

function why(question: Question | undefined, signals: readonly string[], lower: string, stage?: string) {
  const reasons = signals.map((s) => REASONS[s] ?? `signal ${s}`);
  const lines = [`chosen because: ${reasons.join("; ")}`];
  if (question) {
    const cue = question.cuePattern?.exec(lower)?.[0];
    if (cue) lines.push(`written for this remark: the text says ${quote(cue)}`);
    if (stage)
      lines.push(
        question.stages.includes(stage as Question["stages"][number])
          ? `written for the ${stage} stage`
          : `not written for the ${stage} stage (taken because the theme had too few that were)`,
      );
  }
  return lines;
}

/** Human-readable text: the reading, the ranking, and why each question of `result` was chosen. */
export function explainReading(
  library: Library,
  situation: Situation,
  options: SelectOptions,
  result: CoachResult,
): string {
  if (result.person)
    // No deal reading is shown: the text was about the rep, and its deal words were not used.
    return [
      "Reading",
      "  about the person: the text reads as the rep writing about themselves (docs/person.md),",
      "  so caring questions about them are asked instead of deal questions; no deal reading is used.",
    ].join("\n");
  const { ranked, report, picks, confidence } = selectQuestions(library, situation, options);
  const out: string[] = ["Reading"];
  out.push(`  stage: ${report.stage ?? "unknown"} (${STAGE_SOURCE[report.stageSource]})`);
  if (report.signals.length === 0) out.push("  signals: none");
  else {
    out.push("  signals:");
    for (const s of report.signals) {
      const from = s.source === "fields" ? "deal fields" : "text";
      const place = s.place ? ` (${PLACE[s.place]})` : "";
      out.push(`    ${s.id.padEnd(26)} from the ${from}: ${quote(s.evidence)}${place}`);
    }
  }
  const fields = Object.entries(report.fields);
  out.push(
    fields.length === 0
      ? "  deal fields: none"
      : `  deal fields: ${fields.map(([k, v]) => `${k}=${typeof v === "string" ? quote(v, 30) : String(v)}`).join(", ")}`,
  );
  out.push(`  deal content: ${report.hasDealContent ? "yes" : "no"}`);
  out.push(
    `  confidence: ${confidence.level} (${confidence.score.toFixed(2)}): ${confidence.reason}` +
      (report.long ? "; a long text, so its title and the rep's own questions weigh most" : ""),
  );

  // What the situation establishes, so what a question may take for granted (premise-reader.ts).
  const stated = report.stageSource === "given" || report.stageSource === "fields";
  const established = readPremises({
    lower: report.lower,
    fields: report.fields,
    statedStage: stated ? report.stage : undefined,
  });
  const words = premiseEvidence(report.lower);
  if (established.size === 0) out.push("  premises found: none");
  else {
    out.push("  premises found:");
    for (const p of established) {
      const evidence = words[p];
      out.push(
        `    ${p.padEnd(26)} ${evidence !== undefined ? `the text says ${quote(evidence)}` : "from the deal fields, the stage or another premise"}`,
      );
    }
  }

  out.push("", "Themes, best first (score: signals)");
  for (const r of ranked.filter((x) => x.score > 0).slice(0, 5)) {
    const by = r.signals.length > 0 ? r.signals.join(", ") : "stage fit only";
    out.push(`  ${r.theme.padEnd(18)} ${String(Math.round(r.score * 10) / 10).padStart(5)}: ${by}`);
  }

  out.push("", "Questions");
  result.questions.forEach((q, i) => {
    const pick = picks.find((p) => p.question.id === q.id);
    out.push(`  ${i + 1}. ${q.text}`, `     id ${q.id}, theme ${q.theme}`);
    for (const line of why(pick?.question, q.signals, report.lower, report.stage)) out.push(`     ${line}`);
    const premises = presupposedPremises(q.text);
    out.push(
      `     takes for granted: ${premises.length > 0 ? premises.join(", ") : "nothing in the premise word lists"}`,
    );
  });
  const dropped = picks.filter((p) => !result.questions.some((q) => q.id === p.question.id));
  for (const p of dropped) out.push(`  (left out by the guard: ${p.question.id})`);
  return out.join("\n");
}
