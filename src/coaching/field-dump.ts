import type { DealFields } from "./deal.js";
import { mapStageLabel } from "./stage-map.js";

// Reps paste CRM records as "Stage: Negotiation | Amount: $84,000 | Close Date: 2026-12-15". Reading the
// fields back out lets a paste count as structured data instead of as words.

// Space before a key stays on its line: a `\s*` that crossed lines re-read every later blank line from
// each line break (quadratic). A key after blank lines still matches, from the last line break.
const PAIR = /(?:^|[|\n;])[^\S\n]*([A-Za-z][A-Za-z .&/_-]{1,30}?)\s*[:=]\s*([^|\n;]*)/g;

function money(value: string): number | undefined {
  // From the first digit of a number only (the (?<!\d)): from each digit of a long one it was quadratic.
  const m = value.replace(/,/g, "").match(/(?<!\d)(\d+(?:\.\d+)?)\s*(k|m)?\b/i);
  if (!m?.[1]) return undefined;
  const scale = m[2]?.toLowerCase() === "k" ? 1_000 : m[2]?.toLowerCase() === "m" ? 1_000_000 : 1;
  return Number(m[1]) * scale;
}

function firstNumber(value: string): number | undefined {
  const m = value.match(/-?\d+(?:\.\d+)?/);
  return m ? Number(m[0]) : undefined;
}

function beforeAfter(value: string): [string, string | undefined] {
  // From the first space of a run only: from each space of a long run it was quadratic.
  const parts = value.split(/(?<!\s)\s*(?:->|→|=>|\bto\b)\s*/);
  return parts.length >= 2 ? [parts[parts.length - 1] ?? value, parts[0]] : [value, undefined];
}

const FORECAST: Record<string, DealFields["forecast_category"]> = {
  pipeline: "pipeline",
  "best case": "best_case",
  best_case: "best_case",
  commit: "commit",
  closed: "closed",
  omitted: "omitted",
};

/** Reads "Key: value" pairs from a pasted CRM record. Unknown keys are ignored. */
export function parseFieldDump(text: string): DealFields {
  const fields: DealFields = {};
  for (const match of text.matchAll(PAIR)) {
    const key = (match[1] ?? "")
      .trim()
      .toLowerCase()
      .replace(/[\s_-]+/g, " ");
    const raw = (match[2] ?? "").trim();
    const [value, before] = beforeAfter(raw);
    switch (key) {
      case "stage":
      case "deal stage":
      case "opportunity stage": {
        const stage = mapStageLabel(value);
        if (stage) fields.stage = stage;
        break;
      }
      case "amount":
      case "deal amount":
      case "value":
      case "deal value": {
        const now = money(value);
        if (now !== undefined) fields.amount = now;
        const was = before ? money(before) : undefined;
        if (was !== undefined) fields.previous_amount = was;
        break;
      }
      case "close date":
      case "expected close":
      case "close": {
        const now = value.match(/\d{4}-\d{2}-\d{2}/)?.[0];
        if (now) fields.close_date = now;
        const was = before?.match(/\d{4}-\d{2}-\d{2}/)?.[0];
        if (was) fields.previous_close_date = was;
        break;
      }
      case "discount":
      case "discount percent":
      case "discount %": {
        const n = firstNumber(value);
        if (n !== undefined) fields.discount_percent = n;
        break;
      }
      case "contacts":
      case "contact count":
      case "contact roles": {
        const n = firstNumber(value);
        if (n !== undefined) fields.contact_count = n;
        break;
      }
      case "competitor":
      case "competitors":
        if (value && !/^(none|n\/a|-)$/i.test(value)) fields.competitor = value;
        break;
      case "forecast":
      case "forecast category": {
        const f = FORECAST[value.toLowerCase()];
        if (f) fields.forecast_category = f;
        break;
      }
      case "next step":
        fields.next_step = value;
        break;
      case "metrics":
      case "success metrics":
        // Present but empty is the signal: nobody recorded how they will measure the value.
        fields.metrics = value;
        break;
      case "last activity":
      case "days since activity": {
        const n = firstNumber(value);
        if (n !== undefined && /day|^\s*\d+\s*$/i.test(value)) fields.days_since_activity = n;
        break;
      }
      case "paper process":
      case "legal":
      case "procurement":
        fields.paper_process = value;
        break;
    }
  }
  return fields;
}
