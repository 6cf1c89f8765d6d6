import { chooseNudges } from "../../../deals/nudge-choice.js";
import { notice, staleButton } from "../../blocks/messages.js";
import { nudgeChoiceReply } from "../../blocks/nudge-choice.js";
import { nudgeDealValue } from "../../button-values.js";
import type { Services } from "../../services.js";
import { type ButtonArgs, buttonListener, clicker, privately, type Tell } from "./button.js";

// Snooze this deal (1 week) and Mute this deal, under a nudge: per user and per deal. And the rep's
// choice of nudges: Keep them coming / No thanks on the invitation, Stop on a default-on first nudge.

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;
export function nudgePref(services: Services, kind: "snooze" | "mute") {
  return buttonListener(services, `nudge ${kind}`, async ({ body, action }, tell) => {
    const deal = nudgeDealValue.decode(action.value);
    if (!deal) {
      await tell(staleButton("The next nudge about this deal will carry buttons that work."));
      return;
    }
    const { teamId, userId } = clicker(body);
    const { source, dealId } = deal;
    if (kind === "snooze") {
      const until = new Date(Date.now() + WEEK_MS);
      await services.store.deals.setDealPref(teamId, userId, source, dealId, { snoozedUntil: until });
      await tell(
        notice(
          `Snoozed: no nudges about this deal until ${until.toISOString().slice(0, 10)}. They wait, they aren't dropped.`,
        ),
      );
    } else {
      await services.store.deals.setDealPref(teamId, userId, source, dealId, { muted: true });
      await tell(notice("Muted: no more nudges about this deal."));
    }
  });
}

/**
 * The invitation is replaced by the answer (its buttons go, so it can't be answered twice by mistake);
 * Stop answers privately under the nudge, which keeps its questions.
 */
const replacing =
  (args: ButtonArgs): Tell =>
  (m) =>
    args.respond({ replace_original: true, text: m.text });

export function nudgeChoiceAction(services: Services, kind: "keep" | "decline" | "stop") {
  return buttonListener(
    services,
    `nudge ${kind}`,
    async ({ body }, tell) => {
      const reply = await chooseNudges(services.store, clicker(body), kind === "keep", new Date());
      if (reply.released > 0) services.wakeDeals?.();
      await tell(nudgeChoiceReply(reply));
    },
    kind === "stop" ? privately : replacing,
  );
}
