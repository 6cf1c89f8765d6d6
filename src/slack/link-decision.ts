import type { WebClient } from "@slack/web-api";
import { decideLink } from "../deals/links.js";
import type { UserKey } from "../store/types.js";
import { notice, type Rendered, staleButton } from "./blocks/messages.js";
import { linkRequestValue } from "./button-values.js";
import { isWorkspaceAdmin, slackUserByEmail } from "./people.js";
import { errorSummary } from "./reply.js";
import type { Services } from "./services.js";

// An admin's Approve / Decline on a link request (docs/architecture.md "Layers"): what Slack must be
// asked around the decision (is the clicker an admin now, whose profile holds the e-mail), the decision
// itself in src/deals/links.ts, and the rep told. Returns what the admin is shown, and whether anything was
// decided (only then has their Home changed).

export async function decideLinkRequest(
  services: Services,
  client: WebClient,
  admin: UserKey,
  buttonValue: string | undefined,
  approve: boolean,
  requestId: string | undefined,
): Promise<{ reply: Rendered; decided: boolean }> {
  // Asked of Slack on every click: a Home tab rendered while they were an admin proves nothing now.
  if (!(await isWorkspaceAdmin(client, admin.userId)))
    return { reply: notice("Only workspace admins can approve or decline link requests."), decided: false };
  const request = linkRequestValue.decode(buttonValue);
  if (!request)
    return {
      reply: staleButton("Open Deal Coach's Home tab again to see the requests as they are now."),
      decided: false,
    };
  const profileOwner = approve ? await slackUserByEmail(client, request.email) : undefined;
  const decision = await decideLink(
    services.store.deals,
    admin.teamId,
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
          { err: errorSummary(err), requestId },
          "could not tell the rep about a link decision",
        ),
      );
  }
  return { reply: notice(decision.admin), decided: true };
}
