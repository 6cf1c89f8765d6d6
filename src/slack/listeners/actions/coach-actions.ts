import type { BlockAction } from "@slack/bolt";
import { FALLBACK_QUESTION } from "../../../coaching/coach.js";
import { isStage, isTheme } from "../../../coaching/taxonomy.js";
import { followUpBlocks } from "../../blocks/coach-reply.js";
import { feedbackThanks, notice, type Rendered, staleButton } from "../../blocks/messages.js";
import { reflectModal } from "../../blocks/modals.js";
import { angleValue, reflectMetadata, reflectValue } from "../../button-values.js";
import { coachAndRecord, deeperAndRecord } from "../../coach-replies.js";
import { OneReply, threadWay } from "../../one-reply.js";
import type { Services } from "../../services.js";
import { type ButtonArgs as Args, buttonListener, clicker as keyOf } from "./button.js";

// Buttons under a coaching reply. Each acks at once, then answers where the reply lives: privately for
// an ephemeral /coach reply, in the thread for a DM or a mention.

/** Where to answer: the thread of a real message, or privately through response_url. */
function answerer({ body, client, respond }: Args): (m: Rendered) => Promise<unknown> {
  const message = body.message as { ts?: string; thread_ts?: string } | undefined;
  const channel = body.channel?.id ?? body.container?.channel_id;
  if (message?.ts && channel && !body.container?.is_ephemeral) {
    return (m) => client.chat.postMessage({ channel, thread_ts: message.thread_ts ?? message.ts, ...m });
  }
  return (m) => respond({ response_type: "ephemeral", replace_original: false, ...m });
}

/**
 * "Another angle" asks the coacher, so its answer is one reply (one-reply.ts). Under a posted message the
 * placeholder goes in the thread and chat.update replaces it. Under an ephemeral reply there is none:
 * Slack replaces an ephemeral message only through the response_url of a click on it, which names the
 * reply the button is on, not a placeholder posted next to it; that answer comes once, when ready.
 */
const replies = new WeakMap<Args, OneReply>();
function replyTo(services: Services, args: Args): OneReply {
  let reply = replies.get(args);
  if (!reply) {
    const message = args.body.message as { ts?: string; thread_ts?: string } | undefined;
    const channel = args.body.channel?.id ?? args.body.container?.channel_id;
    const way =
      message?.ts && channel && !args.body.container?.is_ephemeral
        ? threadWay(args.client, channel, message.thread_ts ?? message.ts, services.logger)
        : { post: answerer(args) };
    reply = new OneReply(way, services.coacher.usesModel, services.logger, args.context.requestId);
    replies.set(args, reply);
  }
  return reply;
}

function threadKeyOf(body: BlockAction): string | undefined {
  const message = body.message as { ts?: string; thread_ts?: string } | undefined;
  const channel = body.channel?.id;
  return message?.ts && channel && !body.container?.is_ephemeral
    ? `${channel}:${message.thread_ts ?? message.ts}`
    : undefined;
}

export function anotherAngle(services: Services) {
  return buttonListener(
    services,
    "another angle",
    async (args, tell) => {
      const payload = angleValue.decode(args.action.value);
      if (!payload) {
        await tell(staleButton("Run `/coach` again with what's going on."));
        return;
      }
      replyTo(services, args).thinking();
      const { rendered } = await coachAndRecord(services, {
        key: keyOf(args.body),
        requestId: args.context.requestId,
        text: payload.situation,
        stage: payload.stage && isStage(payload.stage) ? payload.stage : undefined,
        excludeThemes: payload.shownThemes.filter(isTheme),
        surface: "action",
        threadKey: threadKeyOf(args.body),
      });
      await tell(rendered);
    },
    (args) => replyTo(services, args).send,
  );
}

export function goDeeperAction(services: Services) {
  return buttonListener(
    services,
    "go deeper",
    async (args, tell) => {
      const next = await deeperAndRecord(
        services,
        keyOf(args.body),
        args.action.value ?? "",
        "action",
        threadKeyOf(args.body),
      );
      await tell(
        next
          ? followUpBlocks(next)
          : notice("That's as deep as that question goes for now. *Another angle* opens a different one."),
      );
    },
    answerer,
  );
}

export function reflectAction(services: Services) {
  return buttonListener(
    services,
    "reflect",
    async (args) => {
      // The oldest Reflect buttons carried one question id, bare; one we can't read reflects on the
      // fallback question, which still lets the rep write.
      const ids = reflectValue.decode(args.action.value)?.questions ?? [args.action.value ?? ""];
      const questions = ids
        .map(
          (id) =>
            services.library.questions.get(id) ??
            (id === FALLBACK_QUESTION.id ? FALLBACK_QUESTION : undefined),
        )
        .filter((q): q is NonNullable<typeof q> => q !== undefined)
        .map((q) => ({ id: q.id, text: q.text }));
      const shown =
        questions.length > 0 ? questions : [{ id: FALLBACK_QUESTION.id, text: FALLBACK_QUESTION.text }];
      await args.client.views.open({
        trigger_id: args.body.trigger_id,
        view: reflectModal(shown, reflectMetadata.encode({ questions: shown.map((q) => q.id) }) ?? ""),
      });
    },
    answerer,
  );
}

export function feedback(services: Services, helpful: boolean) {
  return buttonListener(
    services,
    "feedback",
    async (args, tell) => {
      const questionId = args.action.value ?? "";
      if (!services.library.questions.has(questionId) && questionId !== FALLBACK_QUESTION.id) {
        await tell(notice("I couldn't find that question any more, so I didn't record this."));
        return;
      }
      await services.store.recordFeedback(keyOf(args.body), questionId, helpful);
      // The thanks is always private, even under a reply posted in a thread.
      await (args.body.container?.is_ephemeral || !args.body.message
        ? args.respond({
            response_type: "ephemeral",
            replace_original: false,
            ...feedbackThanks(helpful),
          })
        : args.client.chat.postEphemeral({
            channel: args.body.channel?.id ?? "",
            user: args.body.user.id,
            ...feedbackThanks(helpful),
          }));
    },
    answerer,
  );
}
