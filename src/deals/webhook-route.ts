import type { IncomingMessage, ServerResponse } from "node:http";
import { replyJson } from "../http-reply.js";
import type { Logger } from "../logger.js";
import type { DealStore } from "../store/deal-types.js";
import { type Rejected, screenUpdates } from "./screen.js";
import type { ParseResult, VerifyResult, WebhookRequest } from "./sources/errors.js";

// One HTTP route per CRM, the same rules for all: read at most 1 MB, verify (401), parse (400), commit
// to the inbox before answering 202 {"accepted", "duplicates"}. A rejected delivery stores nothing, so the
// same event sent again correctly is processed. Nothing a sender does can crash the process, and no input
// earns a 5xx (which a CRM retries for ever): text the database can't hold is repaired, and an item with
// an id it can't hold is refused on its own (see screen.ts): 400 when that was every item, else 202 with
// the refused ones listed under "rejected".

export const MAX_BODY_BYTES = 1024 * 1024;

export interface WebhookSource {
  /** When the source's secrets are not configured the route answers 503 naming what is missing. */
  missingConfig(): string | undefined;
  verify(request: WebhookRequest, now: Date): VerifyResult;
  parse(request: WebhookRequest): ParseResult;
}

export interface WebhookRouteDeps {
  store: DealStore;
  logger: Logger;
  /** The Slack team a delivery belongs to: ?team=T… on the URL, else the app's own workspace. */
  defaultTeam: () => string | undefined;
  now?: () => Date;
  /** Called after a delivery is committed, to wake the processor. */
  onAccepted?: () => void;
}

/**
 * Reads the body, stopping at `limit` bytes: resolves undefined as soon as the body is known to be too
 * large, without reading the rest (the 413 then closes the connection).
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > limit) {
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const collect = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off("data", collect);
      req.pause();
      resolve(undefined);
    };
    req.on("data", collect);
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export function webhookRoute(name: string, source: WebhookSource, deps: WebhookRouteDeps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const missing = source.missingConfig();
    if (missing) {
      replyJson(res, 503, { error: `${name} webhooks are not configured: set ${missing}` });
      req.resume();
      return;
    }
    let rawBody: Buffer | undefined;
    try {
      rawBody = await readBody(req, MAX_BODY_BYTES);
    } catch {
      replyJson(res, 400, { error: "could not read the request body" });
      return;
    }
    if (!rawBody) {
      // Closing is what stops the reading: on a kept-alive connection Node would read the rest to reuse it.
      res.setHeader("connection", "close");
      replyJson(res, 413, { error: `body is larger than ${MAX_BODY_BYTES} bytes` });
      return;
    }
    const request: WebhookRequest = {
      method: req.method ?? "POST",
      url: req.url ?? "/",
      headers: req.headers,
      rawBody,
    };
    const now = deps.now?.() ?? new Date();
    const verdict = source.verify(request, now);
    if (!verdict.ok) {
      deps.logger.warn({ source: name, status: verdict.status, reason: verdict.error }, "webhook rejected");
      replyJson(res, verdict.status, { error: verdict.error });
      return;
    }
    const parsed = source.parse(request);
    if (!parsed.ok) {
      deps.logger.warn({ source: name, status: parsed.status, reason: parsed.error }, "webhook rejected");
      replyJson(res, parsed.status, { error: parsed.error });
      return;
    }
    const team = new URL(request.url, "http://localhost").searchParams.get("team") ?? deps.defaultTeam();
    if (!team) {
      replyJson(res, 400, { error: "unknown Slack workspace: add ?team=<Slack team id> to the webhook URL" });
      return;
    }
    const { clean, rejected } = screenUpdates(parsed.updates);
    if (rejected.length > 0) {
      deps.logger.warn({ source: name, rejected }, "webhook items rejected");
      if (clean.length === 0) {
        const first = rejected[0] as Rejected;
        replyJson(res, 400, { error: `item ${first.item}: ${first.error}`, rejected });
        return;
      }
    }
    try {
      const result = await deps.store.accept(team, clean);
      replyJson(res, 202, rejected.length > 0 ? { ...result, rejected } : result);
      deps.logger.info({ source: name, team, ...result }, "webhook accepted");
      if (result.accepted > 0) deps.onAccepted?.();
    } catch (err) {
      deps.logger.error(
        { source: name, err: { message: (err as Error).message } },
        "webhook could not be stored",
      );
      // 503 tells the CRM to retry later: nothing was committed.
      replyJson(res, 503, { error: "could not store the delivery; please retry" });
    }
  };
}
