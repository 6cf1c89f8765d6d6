import { clipFor } from "../coaching/input-limits.js";
import { outcomeOf } from "./deal-fields.js";
import type { DealSnapshot, DealUpdate, Trigger } from "./types.js";

// The text the coach reads for a deal change: what changed, the deal's fields, the CRM's note. It goes
// through the same signals as /coach, so a note saying "they want 20% off" still leads to
// customer_success.

export function situationText(
  trigger: Trigger,
  snapshot: DealSnapshot,
  update?: DealUpdate,
  closeDateMoves = 0,
): string {
  const parts = [trigger.summary];
  // A pattern of moves matters whatever this nudge is about (an idle deal, a stage change): said in words
  // as well as in the deal fields, so that questions written for a slipping date are asked.
  if (outcomeOf(snapshot) === "open" && closeDateMoves >= 2 && !trigger.key.includes("close_date_moved"))
    parts.push(`The close date moved ${closeDateMoves} times.`);
  if (snapshot.nextStep) parts.push(`Next step: ${clipFor("crmField", snapshot.nextStep)}`);
  if (snapshot.competitor) parts.push(`Competitor: ${clipFor("crmField", snapshot.competitor)}`);
  if (update?.note) parts.push(clipFor("crmNote", update.note));
  return clipFor("situation", parts.join("\n"));
}
