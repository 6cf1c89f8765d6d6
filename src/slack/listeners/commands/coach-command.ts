import type { SlackCommandMiddlewareArgs } from "@slack/bolt";
import type { ListenerArgs } from "../../context.js";
import { OneReply, responseUrlWay } from "../../one-reply.js";
import { busyEphemeral, ephemeral, kindly } from "../../reply.js";
import type { Services } from "../../services.js";
import { type CommandRequest, type CommandTools, subcommandFor } from "./subcommands.js";

// /coach: ack first, always; then one function, in the bounded work queue (a busy reply when it is full),
// runs the subcommand the text selects (subcommands.ts) and replies privately.

export type CoachCommandArgs = SlackCommandMiddlewareArgs & ListenerArgs;

/** What the listener hands on: the request, and the ways to answer it. */
export type HandleCoachCommand = (
  services: Services,
  request: CommandRequest,
  answer: Pick<CoachCommandArgs, "client" | "respond">,
) => Promise<void>;

/** Runs the selected subcommand; a failure is logged and the user told kindly (reply.ts). */
export const handleCoachCommand: HandleCoachCommand = async (services, request, { client, respond }) => {
  // Private answers go to the command's response_url; a coaching answer is one reply (one-reply.ts).
  const reply = new OneReply(
    responseUrlWay(request.responseUrl, ephemeral(respond), services.logger),
    services.coacher.usesModel,
    services.logger,
    request.requestId,
  );
  const tools: CommandTools = {
    services,
    client,
    respond: (message) => respond({ response_type: "ephemeral", ...message }),
    reply,
  };
  const subcommand = subcommandFor(request.text);
  await kindly(
    services.logger,
    request.requestId,
    "coach command",
    () => subcommand.run(request, tools),
    reply.send,
  );
};

export function coachCommand(services: Services, handle: HandleCoachCommand = handleCoachCommand) {
  return async ({ ack, command, context, client, respond }: CoachCommandArgs): Promise<void> => {
    await ack();
    const request: CommandRequest = {
      text: command.text.trim(),
      key: { teamId: command.team_id, userId: command.user_id },
      triggerId: command.trigger_id,
      responseUrl: command.response_url,
      channelId: command.channel_id,
      requestId: context.requestId,
    };
    await services.work.run(
      () => handle(services, request, { client, respond }),
      busyEphemeral(command.response_url),
    );
  };
}
