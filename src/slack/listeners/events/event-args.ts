import type { SlackEventMiddlewareArgs } from "@slack/bolt";
import type { ListenerArgs, ListenerContext } from "../../context.js";

// What every event listener shares: its arguments and the workspace an event came from.

export type EventArgs<Type extends string> = SlackEventMiddlewareArgs<Type> & ListenerArgs;

/** The workspace of an event: the envelope's team_id, else what Bolt's authorize found; "" if neither. */
export function eventTeam(body: { team_id?: unknown }, context: Pick<ListenerContext, "teamId">): string {
  return (typeof body.team_id === "string" ? body.team_id : undefined) ?? context.teamId ?? "";
}
