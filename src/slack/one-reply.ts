import type { Logger } from "../logger.js";
import type { Rendered } from "./blocks/messages.js";
import { thinkingMessage } from "./blocks/thinking.js";
import { errorSummary } from "./reply.js";

// One request, one reply (docs/replies.md). When a model may be asked, the rep sees at once that the bot
// is thinking, and then the reply takes the placeholder's place: chat.update for a posted message, or
// replace_original through a slash command's response_url. Whatever fails, the rep ends with one visible
// reply and no "thinking" left alone: if the placeholder can't be replaced, the reply is posted once and
// the placeholder taken away. Without a model nothing is shown first and the reply is posted as ever.

/** A placeholder on screen, and the ways to put the reply where it is. */
export interface Held {
  /** The reply in the placeholder's place (the same message). */
  replace(m: Rendered): Promise<unknown>;
  /** When replacing failed: the reply posted once, and the placeholder taken away (in a safe order). */
  instead(m: Rendered): Promise<unknown>;
  /** The placeholder taken away, when the reply went somewhere else (privately: docs/person.md). */
  withdraw(): Promise<unknown>;
}

/** How one surface answers: post a message, and (where Slack lets a message be replaced) hold a place. */
export interface ReplyWay {
  post(m: Rendered): Promise<unknown>;
  /** Posts a placeholder; absent where the surface can't replace what it posts. */
  hold?(m: Rendered): Promise<Held>;
}

export class OneReply {
  private held: Promise<Held | undefined> | undefined;
  private shown = false;

  constructor(
    private readonly way: ReplyWay,
    /** True when the coacher may ask a model: only then is a placeholder worth showing. */
    private readonly wait: boolean,
    private readonly logger: Logger,
    private readonly requestId?: string,
  ) {}

  /** True while a placeholder is (being) shown that the next send will replace. */
  get holding(): boolean {
    return this.held !== undefined;
  }

  /** Shows that the bot is thinking, once, without waiting for Slack (the work goes on meanwhile). */
  thinking(): void {
    if (!this.wait || !this.way.hold || this.shown) return;
    this.shown = true;
    this.held = this.way.hold(thinkingMessage()).catch((err: unknown) => {
      // No placeholder: the reply is simply posted when it is ready.
      this.logger.warn({ err: errorSummary(err), requestId: this.requestId }, "placeholder not posted");
      return undefined;
    });
  }

  /** The reply: in the placeholder's place if there is one, otherwise posted. Later sends post anew. */
  readonly send = async (m: Rendered): Promise<void> => {
    const held = await this.held;
    this.held = undefined;
    if (!held) {
      await this.way.post(m);
      return;
    }
    try {
      await held.replace(m);
    } catch (err) {
      this.logger.warn(
        { err: errorSummary(err), requestId: this.requestId },
        "placeholder not replaced; posting the reply",
      );
      await held.instead(m);
    }
  };

  /**
   * The reply goes somewhere only the rep sees (caring questions in a shared channel, docs/person.md):
   * sent there first, then the public placeholder, if one was shown, taken away.
   */
  readonly elsewhere = async (send: () => Promise<unknown>): Promise<void> => {
    const held = await this.held;
    this.held = undefined;
    await send();
    await held?.withdraw().catch((err: unknown) => {
      this.logger.warn({ err: errorSummary(err), requestId: this.requestId }, "placeholder not deleted");
    });
  };
}

/** The Web API calls a thread reply needs (a WebClient has them; tests may give less). */
export interface ChatClient {
  chat: {
    postMessage(args: {
      channel: string;
      thread_ts?: string;
      text: string;
      blocks: object[];
    }): Promise<{ ts?: string; channel?: string }>;
    update(args: { channel: string; ts: string; text: string; blocks: object[] }): Promise<unknown>;
    delete(args: { channel: string; ts: string }): Promise<unknown>;
  };
}

/**
 * Replies in a channel or DM (in `threadTs`'s thread when given). The placeholder is a message of its own
 * that chat.update turns into the reply; if that fails, the reply is posted and then the placeholder
 * deleted, so there is never a moment with neither.
 */
export function threadWay(
  client: ChatClient,
  channel: string,
  threadTs: string | undefined,
  logger: Logger,
): ReplyWay {
  const where = { channel, ...(threadTs ? { thread_ts: threadTs } : {}) };
  const post = (m: Rendered) => client.chat.postMessage({ ...where, text: m.text, blocks: m.blocks });
  return {
    post,
    hold: async (placeholder) => {
      const posted = await post(placeholder);
      if (!posted.ts) throw new Error("chat.postMessage returned no ts");
      // Slack answers with the conversation's id (a DM's D… id when a user id was given).
      const at = { channel: posted.channel ?? channel, ts: posted.ts };
      return {
        replace: (m) => client.chat.update({ ...at, text: m.text, blocks: m.blocks }),
        instead: async (m) => {
          await post(m);
          await client.chat.delete(at).catch((err: unknown) => {
            logger.warn({ err: errorSummary(err) }, "placeholder not deleted");
          });
        },
        withdraw: () => client.chat.delete(at),
      };
    },
  };
}

/** Whether a response_url (from a payload, or a modal's metadata) can be answered at all. */
export function isResponseUrl(url: string | undefined): url is string {
  return url !== undefined && /^https?:\/\//.test(url);
}

/** A response_url answer gives up after this long, as the busy reply does. */
const RESPONSE_URL_TIMEOUT_MS = 10_000;

async function toResponseUrl(url: string, body: object): Promise<void> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(RESPONSE_URL_TIMEOUT_MS),
  });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`response_url answered ${res.status}`);
}

/**
 * Replies privately to a slash command (or its form) through its response_url, which takes 5 answers in
 * 30 minutes: the placeholder, then the reply with replace_original (2 of them). If replacing fails, the
 * placeholder is deleted first (delete_original names the message to go only until another is posted)
 * and the reply then posted by `post`.
 */
export function responseUrlWay(
  url: string | undefined,
  post: (m: Rendered) => Promise<unknown>,
  logger: Logger,
): ReplyWay {
  if (!isResponseUrl(url)) return { post };
  return {
    post,
    hold: async (placeholder) => {
      await toResponseUrl(url, { response_type: "ephemeral", replace_original: false, ...placeholder });
      return {
        replace: (m) => toResponseUrl(url, { response_type: "ephemeral", replace_original: true, ...m }),
        instead: async (m) => {
          await toResponseUrl(url, { delete_original: true }).catch((err: unknown) => {
            logger.warn({ err: errorSummary(err) }, "placeholder not deleted");
          });
          await post(m);
        },
        withdraw: () => toResponseUrl(url, { delete_original: true }),
      };
    },
  };
}
