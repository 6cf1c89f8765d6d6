import type { SlackViewMiddlewareArgs, ViewSubmitAction } from "@slack/bolt";
import type { UserKey } from "../../../store/types.js";
import type { ListenerArgs } from "../../context.js";
import { interactor } from "../who.js";

// What every modal submission listener shares: its arguments, who submitted, and how a later answer
// reaches the /coach that opened the modal.

export type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & ListenerArgs;

/** The Slack user and workspace who submitted. */
export const submitter = (body: ViewSubmitAction): UserKey => interactor(body);

/** An error shown under one input of the modal, which stays open. */
export const inputError = (blockId: string, message: string) => ({
  response_action: "errors" as const,
  errors: { [blockId]: message },
});

/** Posts to a slash command's response_url (valid 30 minutes, 5 uses) from outside the command. */
export async function postToResponseUrl(url: string | undefined, message: object): Promise<boolean> {
  if (!url || !/^https?:\/\//.test(url)) return false;
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ response_type: "ephemeral", ...message }),
  });
  return res.ok;
}
