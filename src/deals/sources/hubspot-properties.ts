import { foldLabel, mapStageLabel } from "../../coaching/stage-map.js";
import type { Stated } from "./changes.js";
import type { StageMap } from "./team-stage-map.js";
import { dayToUtc, epochMsToUtc, isCalendarDate, isDateTime, toUtc } from "./values.js";

// HubSpot deal properties -> DealSnapshot fields. Used for a webhook's single changed property and for the
// properties read back from the CRM API. Values are always strings there; "" (or null) means cleared.

/** What enrichHubSpot asks the API for; every name here is understood by `hubspotProperty`. */
export const HUBSPOT_DEAL_PROPERTIES = [
  "dealname",
  "dealstage",
  "amount",
  "closedate",
  "hubspot_owner_id",
  "hs_next_step",
  "notes_last_updated",
  "deal_currency_code",
] as const;

export type PropertyResult = { ok: true; stated: Stated } | { ok: false; problem: string };

/** One property in DealSnapshot terms; a property Deal Coach does not use states nothing. */
export function hubspotProperty(
  name: string,
  value: string | null | undefined,
  stageMap: StageMap,
): PropertyResult {
  const v = value ?? "";
  const cleared = v.trim() === "";
  const ok = (stated: Stated): PropertyResult => ({ ok: true, stated });
  switch (name) {
    case "dealname":
      return ok({ name: cleared ? null : v });
    case "dealstage":
      return ok(cleared ? { stageLabel: null } : dealStage(v, stageMap));
    case "amount": {
      const amount = Number(v);
      if (cleared) return ok({ amount: null });
      return Number.isFinite(amount) ? ok({ amount }) : { ok: false, problem: "amount: expected a number" };
    }
    case "closedate": {
      const day = cleared ? null : hubspotTime(v)?.slice(0, 10);
      if (day === undefined)
        return { ok: false, problem: "closedate: expected epoch milliseconds or a date" };
      return ok({ closeDate: day });
    }
    case "notes_last_updated": {
      const at = cleared ? null : hubspotTime(v);
      if (at === undefined) return { ok: false, problem: "notes_last_updated: expected epoch milliseconds" };
      return ok({ lastActivityAt: at });
    }
    case "hubspot_owner_id":
      return ok({ owner: cleared ? null : v.trim() });
    case "hs_next_step":
      return ok({ nextStep: cleared ? null : v });
    case "deal_currency_code":
      return ok({ currency: cleared ? null : v.trim().toUpperCase() });
    default:
      return ok({});
  }
}

/**
 * The stage as label and the coach's stage (left out when the label maps to nothing, as custom pipeline stage ids
 * do until DEAL_STAGE_MAP names them). HubSpot has no status field on deals: the built-in closed stages
 * say won or lost, and so does any label a team maps to closed_lost.
 */
function dealStage(label: string, stageMap: StageMap): Stated {
  const stage = mapStageLabel(label, stageMap);
  const folded = foldLabel(label);
  const won = folded === "closedwon" || folded === "closed won";
  return {
    stageLabel: label,
    ...(stage && { stage }),
    ...(won ? { status: "won" as const } : stage === "closed_lost" ? { status: "lost" as const } : {}),
  };
}

/**
 * Webhooks send date properties as epoch milliseconds; the v3 objects API answers with RFC 3339 strings
 * (and date-only values for pure date properties). Accept all three.
 */
function hubspotTime(value: string): string | undefined {
  const v = value.trim();
  if (/^-?\d{1,16}$/.test(v)) return epochMsToUtc(Number(v));
  if (isDateTime(v)) return toUtc(v);
  if (isCalendarDate(v)) return dayToUtc(v);
  return undefined;
}
