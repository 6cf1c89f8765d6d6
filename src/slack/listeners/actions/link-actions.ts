import { publishHome } from "../../coach-replies.js";
import { decideLinkRequest } from "../../link-decision.js";
import type { Services } from "../../services.js";
import { type ButtonArgs, buttonListener, clicker, type Tell } from "./button.js";

// Approve / Decline on a link request in an admin's App Home. App Home has no response_url, so the
// admin is answered by DM, and so is the rep who asked.

/** Answers the person who clicked in their DM with the app (a notice is its text alone). */
const byDm =
  ({ client, body }: ButtonArgs): Tell =>
  (m) =>
    client.chat.postMessage({ channel: body.user.id, text: m.text });

export function linkDecision(services: Services, approve: boolean) {
  return buttonListener(
    services,
    approve ? "link approve" : "link decline",
    async ({ client, body, action, context }, tell) => {
      const key = clicker(body);
      const { reply, decided } = await decideLinkRequest(
        services,
        client,
        key,
        action.value,
        approve,
        context.requestId,
      );
      await tell(reply);
      if (decided) await publishHome(services, client, key);
    },
    byDm,
  );
}
