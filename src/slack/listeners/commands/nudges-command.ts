import type { WebClient } from "@slack/web-api";
import { chooseNudges } from "../../../deals/nudge-choice.js";
import { notice, type Rendered } from "../../blocks/messages.js";
import { nudgeChoiceReply } from "../../blocks/nudge-choice.js";
import { isWorkspaceAdmin } from "../../people.js";
import type { Services } from "../../services.js";

// `/coach nudges on|off`: the rep's own choice. `/coach nudges default on|off`: admins only, checked with
// Slack (users.info) on every use, makes nudges on by default for reps who have not chosen.

const USAGE = "Try `/coach nudges on`, `/coach nudges off`, or (admins) `/coach nudges default on|off`.";

export async function nudgesCommand(
  services: Services,
  client: WebClient,
  key: { teamId: string; userId: string },
  rest: string,
): Promise<Rendered> {
  const words = rest.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 1 && (words[0] === "on" || words[0] === "off")) {
    const reply = await chooseNudges(services.store, key, words[0] === "on", new Date());
    if (reply.released > 0) services.wakeDeals?.();
    return nudgeChoiceReply(reply);
  }
  if (words.length === 2 && words[0] === "default" && (words[1] === "on" || words[1] === "off")) {
    if (!(await isWorkspaceAdmin(client, key.userId))) return notice("Only workspace admins can do that.");
    const on = words[1] === "on";
    await services.store.deals.setNudgesDefaultOn(key.teamId, on);
    services.logger.info({ team: key.teamId, user: key.userId, on }, "nudges default changed");
    return notice(
      on
        ? "Deal nudges are now on by default here. A rep who hasn't chosen gets their first nudge with a note saying so and a Stop button; reps who said no stay off."
        : "Deal nudges are now off by default here. A rep who hasn't chosen gets a one-time invitation instead of their first nudge; reps who said yes keep theirs.",
    );
  }
  return notice(USAGE);
}
