import { decideLink } from "../../../deals/links.js";
import { notice, staleButton } from "../../blocks/messages.js";
import { linkRequestValue } from "../../button-values.js";
import { publishHome } from "../../coach-replies.js";
import { isWorkspaceAdmin, slackUserByEmail } from "../../people.js";
import { errorSummary } from "../../reply.js";
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
    async (args, tell) => {
      const { client, body, action } = args;
      const key = clicker(body);
      // Asked of Slack on every click: a Home tab rendered while they were an admin proves nothing now.
      if (!(await isWorkspaceAdmin(client, key.userId))) {
        await tell(notice("Only workspace admins can approve or decline link requests."));
        return;
      }
      const request = linkRequestValue.decode(action.value);
      if (!request) {
        await tell(staleButton("Open Deal Coach's Home tab again to see the requests as they are now."));
        return;
      }
      const profileOwner = approve ? await slackUserByEmail(client, request.email) : undefined;
      const decision = await decideLink(
        services.store.deals,
        key.teamId,
        { email: request.email, userId: request.userId },
        approve,
        profileOwner,
      );
      if (decision.requester) {
        services.wakeDeals?.();
        // The decision stands whether or not the rep can be told; the admin hears about it either way.
        await client.chat
          .postMessage({ channel: request.userId, text: decision.requester })
          .catch((err: unknown) =>
            services.logger.warn(
              { err: errorSummary(err), requestId: args.context.requestId },
              "could not tell the rep about a link decision",
            ),
          );
      }
      await tell(notice(decision.admin));
      await publishHome(services, client, key);
    },
    byDm,
  );
}
