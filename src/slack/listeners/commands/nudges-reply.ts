import type { NudgesOutcome } from "../../../deals/nudges-command.js";
import { notice, type Rendered } from "../../blocks/messages.js";
import { nudgeChoiceReply } from "../../blocks/nudge-choice.js";

// The words for each outcome of `/coach nudges ...` (deals/nudges-command.ts decides).

const USAGE = "Try `/coach nudges on`, `/coach nudges off`, or (admins) `/coach nudges default on|off`.";

export function nudgesReply(outcome: NudgesOutcome): Rendered {
  switch (outcome.kind) {
    case "chosen":
      return nudgeChoiceReply(outcome.reply);
    case "not-admin":
      return notice("Only workspace admins can do that.");
    case "default-set":
      return notice(
        outcome.on
          ? "Deal nudges are now on by default here. A rep who hasn't chosen gets their first nudge with a note saying so and a Stop button; reps who said no stay off."
          : "Deal nudges are now off by default here. A rep who hasn't chosen gets a one-time invitation instead of their first nudge; reps who said yes keep theirs.",
      );
    case "usage":
      return notice(USAGE);
  }
}
