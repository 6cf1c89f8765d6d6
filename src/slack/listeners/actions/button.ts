import type { BlockAction, ButtonAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import type { UserKey } from "../../../store/types.js";
import type { Rendered } from "../../blocks/messages.js";
import type { ListenerArgs } from "../../context.js";
import { busyEphemeral, kindly } from "../../reply.js";
import type { Services } from "../../services.js";
import { interactor } from "../who.js";

// The shape every button listener shares: ack at once, do the work in the bounded work queue (a private
// busy reply when it is full), and if it fails, log it with the request id and tell the user kindly,
// where the button's answers go.

export type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & ListenerArgs;
export type Tell = (message: Rendered) => Promise<unknown>;

/** Answers privately (ephemeral, next to the message the button was on). */
export const privately =
  ({ respond }: ButtonArgs): Tell =>
  (m) =>
    respond({ response_type: "ephemeral", replace_original: false, ...m });

export function buttonListener(
  services: Services,
  what: string,
  work: (args: ButtonArgs, tell: Tell) => Promise<void>,
  tellFor: (args: ButtonArgs) => Tell = privately,
) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const tell = tellFor(args);
    await services.work.run(
      () => kindly(services.logger, args.context.requestId, what, () => work(args, tell), tell),
      // App Home has no response_url: a busy click there is only logged.
      busyEphemeral(args.body.response_url),
    );
  };
}

/** The Slack user and workspace who clicked. */
export const clicker = (body: BlockAction): UserKey => interactor(body);
