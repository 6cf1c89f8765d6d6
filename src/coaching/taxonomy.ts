// The project's fixed vocabulary (docs/method.md, "The sixteen themes"). Ids may be added, never renamed:
// the CLI's JSON, the prompt library and the tests all use them.

export const THEMES = [
  "goals",
  "problem_cause",
  "impact",
  "urgency",
  "decision_process",
  "stakeholders",
  "absence_of_no",
  "concerns",
  "provocation",
  "competition",
  "budget",
  "trust",
  "value_over_time",
  "customer_success",
  "next_step",
  "self_reflection",
] as const;
export type Theme = (typeof THEMES)[number];

export const STAGES = [
  "prospecting",
  "discovery",
  "qualification",
  "solution",
  "proposal",
  "negotiation",
  "closing",
  "post_sale",
  "renewal",
  "closed_lost",
] as const;
export type Stage = (typeof STAGES)[number];

export function isTheme(value: string): value is Theme {
  return (THEMES as readonly string[]).includes(value);
}

export function isStage(value: string): value is Stage {
  return (STAGES as readonly string[]).includes(value);
}

/** Business Focused Selling order (docs/method.md, the foundation gap): ask an earlier foundation before a later one. */
export const FOUNDATIONS: readonly Theme[] = [
  "goals",
  "problem_cause",
  "impact",
  "urgency",
  "stakeholders",
  "decision_process",
];

type Fit = 0 | 1 | 2; // blank, ✓ (fits), ● (most important)

// Stage fit (docs/method.md, "The sixteen themes"), row by row, in STAGES order.
const FIT_ROWS: Record<Theme, readonly Fit[]> = {
  goals: [2, 2, 1, 1, 0, 0, 0, 1, 2, 0],
  problem_cause: [1, 2, 2, 1, 0, 0, 0, 0, 1, 1],
  impact: [0, 1, 2, 1, 2, 1, 0, 1, 1, 0],
  urgency: [0, 1, 2, 1, 2, 1, 2, 0, 1, 0],
  decision_process: [0, 0, 2, 1, 2, 2, 2, 0, 1, 1],
  stakeholders: [1, 1, 2, 1, 2, 1, 1, 1, 2, 1],
  absence_of_no: [0, 0, 1, 2, 2, 1, 2, 0, 0, 0],
  concerns: [0, 0, 1, 2, 1, 2, 1, 0, 1, 0],
  provocation: [2, 2, 1, 0, 0, 0, 0, 0, 1, 0],
  competition: [0, 1, 1, 2, 1, 2, 0, 0, 1, 2],
  budget: [0, 0, 2, 0, 1, 1, 1, 0, 1, 0],
  trust: [1, 1, 1, 1, 1, 1, 1, 2, 2, 1],
  value_over_time: [0, 0, 0, 0, 1, 1, 1, 2, 2, 0],
  customer_success: [0, 0, 0, 0, 1, 2, 2, 0, 2, 0],
  next_step: [1, 1, 1, 1, 1, 1, 1, 2, 1, 0],
  self_reflection: [1, 1, 1, 1, 1, 1, 1, 1, 1, 2],
};

/** How well a theme fits a stage: 0 (not listed), 1 (fits) or 2 (most important). */
export function stageFit(theme: Theme, stage: Stage): Fit {
  return FIT_ROWS[theme][STAGES.indexOf(stage)] ?? 0;
}

export const LATE_STAGES: readonly Stage[] = ["proposal", "negotiation", "closing"];
