import type { RespondFn, SayFn } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { Logger } from "../logger.js";
import { BUSY, type Rendered, SORRY } from "./blocks/messages.js";
import { type ChatClient, OneReply, threadWay } from "./one-reply.js";

// Never silent, never leaky: when a listener fails, log it with the request id and tell the user kindly.

export async function kindly(
  logger: Logger,
  requestId: string | undefined,
  what: string,
  work: () => Promise<void>,
  tell: (message: Rendered) => Promise<unknown>,
): Promise<void> {
  try {
    await work();
  } catch (err) {
    logger.error({ err: errorSummary(err), requestId, what }, "listener failed");
    try {
      await tell(SORRY);
    } catch (tellErr) {
      logger.error(
        { err: errorSummary(tellErr), requestId, what },
        "could not tell the user about a failure",
      );
    }
  }
}

/** An error without request bodies or tokens: the WebClient attaches both to its errors. */
export function errorSummary(err: unknown): { message: string; code?: string; stack?: string } {
  const e = err as { message?: string; code?: string; stack?: string; data?: { error?: string } };
  return { message: String(e?.data?.error ?? e?.message ?? err), code: e?.code, stack: e?.stack };
}

export const ephemeral = (respond: RespondFn) => (m: Rendered) =>
  respond({ response_type: "ephemeral", ...m });
export const inThread = (say: SayFn, threadTs: string) => (m: Rendered) => say({ ...m, thread_ts: threadTs });

/**
 * Answers a channel or DM message once, in its thread: Slack may deliver one post several times (retries,
 * app_mention and message.* for the same ts), so channel+ts is claimed first. The answer is one reply
 * (one-reply.ts: a placeholder first when a model may be asked). A failure is logged and the person told
 * kindly in the same thread, in the placeholder's place when there is one.
 */
export async function answerOnceInThread(
  services: {
    store: { claimOnce(id: string): Promise<boolean> };
    logger: Logger;
    coacher: { readonly usesModel: boolean };
  },
  client: ChatClient,
  message: { channel: string; ts: string; threadTs?: string },
  what: string,
  requestId: string | undefined,
  work: (reply: OneReply, threadTs: string) => Promise<void>,
): Promise<void> {
  if (!(await services.store.claimOnce(`msg:${message.channel}:${message.ts}`))) return;
  const threadTs = message.threadTs ?? message.ts;
  const reply = new OneReply(
    threadWay(client, message.channel, threadTs, services.logger),
    services.coacher.usesModel,
    services.logger,
    requestId,
  );
  await kindly(services.logger, requestId, what, () => work(reply, threadTs), reply.send);
}

/**
 * Caring questions to a rep who wrote about themselves in a channel (docs/person.md): only they see
 * them, in the thread of their message; the channel sees nothing.
 */
export function postPrivatelyInThread(
  client: { chat: Pick<WebClient["chat"], "postEphemeral"> },
  where: { channel: string; user: string; threadTs: string },
  message: Rendered,
): Promise<unknown> {
  return client.chat.postEphemeral({
    channel: where.channel,
    user: where.user,
    thread_ts: where.threadTs,
    text: message.text,
    blocks: message.blocks,
  });
}

/** A busy reply gives up after this long: a stalled response_url must not hold a busy-reply slot for ever. */
export const BUSY_REPLY_TIMEOUT_MS = 10_000;

/**
 * The busy reply for a request answered privately (/coach, a button): an ephemeral message to its
 * response_url. It holds the URL only, nothing of the request. Undefined when there is no URL to answer.
 */
export function busyEphemeral(
  responseUrl: string | undefined,
  message: Rendered = BUSY,
): (() => Promise<unknown>) | undefined {
  if (!responseUrl || !/^https?:\/\//.test(responseUrl)) return undefined;
  return async () => {
    const res = await fetch(responseUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ response_type: "ephemeral", replace_original: false, ...message }),
      signal: AbortSignal.timeout(BUSY_REPLY_TIMEOUT_MS),
    });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`response_url answered ${res.status}`);
  };
}

/**
 * The busy reply for a mention or a DM: in the message's thread (or, without `threadTs`, a plain message:
 * a user id as `channel` is their DM). Holds channel and timestamps only.
 */
export function busyInThread(
  client: { chat: Pick<WebClient["chat"], "postMessage"> },
  channel: string,
  threadTs?: string,
  message: Rendered = BUSY,
): () => Promise<unknown> {
  return () => client.chat.postMessage({ channel, ...(threadTs ? { thread_ts: threadTs } : {}), ...message });
}
