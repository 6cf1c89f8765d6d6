import type { DealFields } from "../coaching/deal.js";
import { snapshotFields } from "./deal-fields.js";
import { present } from "./sources/changes.js";
import { formatIssues, issueMessage } from "./sources/errors.js";
import { stated } from "./sources/generic.js";
import { PreviousSchema } from "./sources/generic-schema.js";
import { KNOWN_STAGES, type StageMap } from "./sources/team-stage-map.js";

// A deal given with a question outside Slack (`deal-coach ask --deal FILE`, the `deal` of an `ask --jsonl`
// line): the deal webhook's deal fields (README "The CLI"), validated by the same schema, so a file that
// a Salesforce Flow would send is read the same way here. Every field is optional: a question needs no
// deal id or owner. `previous` (the webhook's, same fields) gives the close date and amount before a change.

export type GivenDeal = { ok: true; fields: DealFields } | { ok: false; error: string };

function parseFields(raw: unknown, at: string, stageMap: StageMap) {
  const result = PreviousSchema.safeParse(raw ?? undefined, { error: issueMessage });
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({ ...i, path: [at, ...i.path] }));
    return { ok: false as const, error: formatIssues(issues) };
  }
  const said = stated(result.data, stageMap);
  if (said.stage === null && result.data.stage) {
    return {
      ok: false as const,
      error: `${at}.stage: unknown stage ${JSON.stringify(result.data.stage)}; use a stage id (${KNOWN_STAGES}) or map the label in DEAL_STAGE_MAP`,
    };
  }
  return { ok: true as const, snapshot: present(said) };
}

/** The coach's fields for a given deal, as of `now`; an error naming the field when it is not valid. */
export function givenDeal(deal: unknown, previous: unknown, stageMap: StageMap, now: Date): GivenDeal {
  if (deal === null || typeof deal !== "object" || Array.isArray(deal))
    return { ok: false, error: "deal: expected an object with the webhook's deal fields" };
  const current = parseFields(deal, "deal", stageMap);
  if (!current.ok) return current;
  const fields = snapshotFields(current.snapshot, now);
  if (previous === undefined || previous === null) return { ok: true, fields };
  if (typeof previous !== "object" || Array.isArray(previous))
    return { ok: false, error: "previous: expected an object with the webhook's deal fields" };
  const before = parseFields(previous, "previous", stageMap);
  if (!before.ok) return before;
  const was = before.snapshot;
  if (was.closeDate && fields.close_date && was.closeDate !== fields.close_date) {
    fields.previous_close_date = was.closeDate;
    fields.close_date_moves = 1;
  }
  if (was.amount !== undefined && fields.amount !== undefined && was.amount !== fields.amount)
    fields.previous_amount = was.amount;
  return { ok: true, fields };
}
