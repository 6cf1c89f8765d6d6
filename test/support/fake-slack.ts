// A loopback fake of the parts of Slack that Deal Coach talks to, for integration tests that drive the
// real @slack/bolt App:
//   - the Web API at http://127.0.0.1:PORT/api/<method> (pass `apiUrl` as clientOptions.slackApiUrl),
//   - response_url endpoints at /response_url/<id>,
//   - Socket Mode at ws://127.0.0.1:PORT/socket (handed out by apps.connections.open),
//   - token rotation (enableRotation): expiring bot tokens, oauth.v2.access with grant_type=refresh_token
//     (a refresh token works once, as Slack revokes it when used), `token_expired` for an expired token,
// plus helpers to sign and POST requests to an app running in HTTP mode.
//
// Bolt wiring (Socket Mode):
//   new App({ token, appToken, socketMode: true,
//             clientOptions: slack.clientOptions, installerOptions: { clientOptions: slack.clientOptions } })
// Bolt gives the SocketModeClient `installerOptions.clientOptions` when you pass one (it does not merge it
// with `clientOptions`); without `retryConfig` there, the client retries apps.connections.open 100 times.
//
// Shutdown order matters in Socket Mode: `await app.stop()` BEFORE `await slack.close()`. If the fake goes
// away first, the SocketModeClient schedules a reconnect (after clientPingTimeout, 5 s by default) against a
// dead port; its failure surfaces as an unhandled rejection (retries: 0) or keeps the process alive for
// minutes (default retries). Bolt also calls auth.test from the App constructor, so start the fake first.

import { createHmac, randomUUID } from "node:crypto";
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import {
  APP_ID,
  BOT_ID,
  BOT_USER_ID,
  type EventCallbackOptions,
  eventCallbackPayload,
  getDefaultResponseUrlFactory,
  nextId,
  nextTs,
  type SlashCommandFields,
  setDefaultResponseUrl,
  slashCommand,
  TEAM_DOMAIN,
  TEAM_ID,
  TEAM_NAME,
  USER_ID,
} from "./slack-payloads.js";

type Obj = Record<string, unknown>;

/** One recorded Web API request. */
export interface ApiCall {
  method: string;
  /** From `Authorization: Bearer …`, else the body's `token` field. */
  token: string | undefined;
  /**
   * The parsed body (JSON, form-encoded or multipart) plus query parameters, without `token`. Form fields
   * holding JSON (blocks, view, attachments, metadata…) are parsed back into objects; other form values
   * stay strings, as Slack receives them (`"false"`, `"1"`).
   */
  args: Obj;
  /** Date.now() when the request arrived. */
  at: number;
  contentType: string;
  /** HTTP status the fake answered with (set once the reply is sent). */
  status?: number;
  /** Whether the request carried HTTP Basic credentials (client id and secret, for oauth.v2.access). */
  basicAuth?: boolean;
  /** The `error` of an `ok: false` answer (e.g. `token_expired`), set once the reply is sent. */
  error?: string;
}

/** One recorded POST to a response_url. */
export interface ResponsePost {
  /** e.g. "/response_url/r1" */
  path: string;
  /** The `<id>` part of the path. */
  id: string;
  /** Parsed JSON body (or the raw string when it is not JSON). */
  body: unknown;
  at: number;
}

/** A message the fake holds because chat.postMessage posted it (served back by conversations.history/replies). */
/** What the fake's users.info and users.lookupByEmail say about one user (FakeSlack.setPerson). */
export interface Person {
  email?: string;
  is_admin?: boolean;
  is_owner?: boolean;
  is_primary_owner?: boolean;
  is_bot?: boolean;
  deleted?: boolean;
}

export interface StoredMessage {
  /** The conversation it is in (a user id given as channel is stored under the DM's id, see dmOf). */
  channel: string;
  ts: string;
  thread_ts?: string;
  type: "message";
  user: string;
  bot_id: string;
  app_id: string;
  text?: string;
  blocks?: unknown;
  /** As posted: { event_type, event_payload }. Returned only to include_all_metadata requests. */
  metadata?: unknown;
}

/** A non-200 (or otherwise custom) HTTP answer. Recognised by a numeric `status` and no `ok` key. */
export interface HttpReply {
  status: number;
  /** Seconds; sent as the Retry-After header (use with status 429). */
  retryAfter?: number;
  /** JSON body; defaults to `{ok:false, error:"ratelimited"}` for 429. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** What an override returns: a Slack JSON reply, an HttpReply, or undefined to fall back to the default. */
export type ApiReply = Obj | HttpReply | undefined;
export type ApiHandler = (args: Obj, call: ApiCall) => ApiReply | Promise<ApiReply>;
export type ResponseHandler = (body: unknown, post: ResponsePost) => ApiReply | Promise<ApiReply>;

export type EnvelopeType = "slash_commands" | "events_api" | "interactive";

export interface SocketEnvelope {
  envelope_id: string;
  type: EnvelopeType;
  payload: Obj;
  accepts_response_payload: boolean;
  retry_attempt?: number;
  retry_reason?: string;
}

export interface SendEnvelopeOptions {
  /** Events API only in real Slack; defaults to 0 for events_api and is omitted otherwise. */
  retryAttempt?: number;
  /** e.g. "timeout"; defaults to "" for events_api. */
  retryReason?: string;
  /** Defaults: slash_commands true, view_submission/block_suggestion true, everything else false. */
  acceptsResponsePayload?: boolean;
  /** How long to wait for the app's ack. Default 5000 ms. */
  timeoutMs?: number;
}

/** A frame the app sent over the socket (acks, in practice). */
export interface SocketFrame {
  data: Obj;
  at: number;
}

export interface WaitOptions {
  /** Default 5000 ms. */
  timeoutMs?: number;
  /** Only consider records at or after this index (e.g. `slack.calls.length` taken before acting). */
  from?: number;
}

const DEFAULT_WAIT_MS = 5000;
/** Methods Slack serves without a token; every other method answers `not_authed` when none is sent. */
const NO_AUTH_METHODS = new Set(["oauth.v2.access", "oauth.access", "oauth.v2.exchange", "api.test"]);
/** Form fields that are free text and must never be JSON-decoded, even when they look like JSON. */
const TEXT_FIELDS = new Set([
  "text",
  "markdown_text",
  "alt_text",
  "initial_comment",
  "title",
  "value",
  "query",
]);

function isHttpReply(reply: unknown): reply is HttpReply {
  return (
    typeof reply === "object" &&
    reply !== null &&
    typeof (reply as Obj).status === "number" &&
    !Object.hasOwn(reply, "ok")
  );
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function describe(v: unknown, max = 160): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function decodeFormValue(key: string, value: string): unknown {
  if (TEXT_FIELDS.has(key) || !/^\s*[[{]/.test(value)) return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

async function parseBody(buf: Buffer, contentType: string): Promise<Obj> {
  const text = buf.toString("utf8");
  if (contentType.includes("application/json")) {
    if (text.trim() === "") return {};
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Obj)
      : { _body: parsed };
  }
  if (contentType.includes("multipart/form-data")) {
    const form = await new Response(new Uint8Array(buf), {
      headers: { "content-type": contentType },
    }).formData();
    const out: Obj = {};
    for (const [key, value] of form.entries()) {
      if (typeof value === "string") out[key] = decodeFormValue(key, value);
      else
        out[key] = { filename: (value as Blob & { name?: string }).name, size: value.size, type: value.type };
    }
    return out;
  }
  const out: Obj = {};
  for (const [key, value] of new URLSearchParams(text)) out[key] = decodeFormValue(key, value);
  return out;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

interface Waiter<T> {
  match: (item: T) => boolean;
  from: number;
  resolve: (item: T) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

interface PendingAck {
  resolve: (payload: Obj) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** The app's DM channel with a user, as conversations.open and chat.postMessage name it. */
export function dmOf(channel: string): string {
  return /^[UW]/.test(channel) ? `D${channel.slice(1)}` : channel;
}

export class FakeSlack {
  /** Recorded Web API calls, oldest first. */
  readonly calls: ApiCall[] = [];
  /** Recorded POSTs to response_url paths, oldest first. */
  readonly responses: ResponsePost[] = [];
  /** Messages posted with chat.postMessage by the default handler, oldest first (what Slack now holds). */
  readonly messages: StoredMessage[] = [];
  /** Envelopes sent to the app over Socket Mode. */
  readonly envelopes: SocketEnvelope[] = [];
  /** Frames received from the app over Socket Mode (acks). */
  readonly socketFrames: SocketFrame[] = [];
  /** Token rotation: the issued expiring access tokens (token -> expiry, ms) and refresh tokens' states. */
  readonly accessTokens = new Map<string, number>();
  readonly refreshTokens = new Map<string, "live" | "spent" | "revoked">();
  /** With rotation on, how long issued access tokens live (s); undefined: tokens never expire. */
  rotation: { expiresInS: number } | undefined;
  /**
   * Slack's clock for issuing and expiring rotating tokens (Date.now unless a test sets it): a test that
   * moves it on together with the app's token clock (runtime's `tokenClock`) sees a token expire at once,
   * where waiting out its life would cost real seconds.
   */
  tokenClock: () => number = Date.now;
  private tokenSeq = 0;

  /** Socket Mode connections accepted so far (a reconnect adds one). */
  get connectionCount(): number {
    return this.accepted;
  }

  readonly port: number;
  readonly baseUrl: string;
  /** "http://127.0.0.1:PORT/api/" — pass as clientOptions.slackApiUrl. */
  readonly apiUrl: string;
  /** "ws://127.0.0.1:PORT/socket" */
  readonly socketUrl: string;

  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly sockets: WebSocket[] = [];
  private readonly overrides = new Map<string, ApiHandler>();
  private readonly people = new Map<string, Person>();
  private responseHandler: ResponseHandler | undefined;
  private callWaiters: Waiter<ApiCall>[] = [];
  private responseWaiters: Waiter<ResponsePost>[] = [];
  private connectionWaiters: Waiter<number>[] = [];
  private readonly pendingAcks = new Map<string, PendingAck>();
  private readonly responseUrlFactory = () => this.responseUrl();
  private responseSeq = 0;
  private accepted = 0;
  private closed = false;

  private constructor(server: Server, wss: WebSocketServer) {
    this.server = server;
    this.wss = wss;
    this.port = (server.address() as AddressInfo).port;
    this.baseUrl = `http://127.0.0.1:${this.port}`;
    this.apiUrl = `${this.baseUrl}/api/`;
    this.socketUrl = `ws://127.0.0.1:${this.port}/socket`;
  }

  /** Starts the fake on 127.0.0.1 at a random port, and makes its responseUrl() the payload builders' default. */
  static async start(): Promise<FakeSlack> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    const wss = new WebSocketServer({ server, path: "/socket" });
    const slack = new FakeSlack(server, wss);
    server.on("request", (req, res) => {
      slack.handleRequest(req, res).catch((err: unknown) => {
        if (!res.headersSent)
          sendJson(res, 500, { ok: false, error: "fake_slack_internal", detail: String(err) });
        else res.end();
      });
    });
    wss.on("connection", (ws) => slack.onConnection(ws));
    setDefaultResponseUrl(slack.responseUrlFactory);
    return slack;
  }

  // -------------------------------------------------------------------------------------------------------
  // Web API

  /** A fresh `{ slackApiUrl, retryConfig: { retries: 0 } }` for Bolt/WebClient `clientOptions`. */
  get clientOptions(): { slackApiUrl: string; retryConfig: { retries: number } } {
    return { slackApiUrl: this.apiUrl, retryConfig: { retries: 0 } };
  }

  /** Recorded calls to one method. */
  callsTo(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /**
   * Overrides a method's reply until reset() or the returned function is called. The handler may return a
   * Slack JSON object, `{ status: 429, retryAfter: 1 }` (any HttpReply), or undefined for the default.
   */
  on(method: string, handler: ApiHandler): () => void {
    this.overrides.set(method, handler);
    return () => {
      if (this.overrides.get(method) === handler) this.overrides.delete(method);
    };
  }

  off(method: string): void {
    this.overrides.delete(method);
  }

  /**
   * Sets what users.info and users.lookupByEmail say about a user until reset() (fields merge with what
   * was set before). Without an email, users.info leaves profile.email out, as Slack does when the app
   * lacks users:read.email.
   */
  setPerson(id: string, person: Person): void {
    this.people.set(id, { ...this.people.get(id), ...person });
  }

  /** Overrides the reply to response_url POSTs (default 200 `{ok:true}`), e.g. `{status:404, body:"expired_url"}`. */
  onResponse(handler: ResponseHandler | undefined): void {
    this.responseHandler = handler;
  }

  /** Resolves with the first call (recorded or future) matching a method name or predicate. */
  waitFor(match: string | ((call: ApiCall) => boolean), opts: WaitOptions = {}): Promise<ApiCall> {
    const pred = typeof match === "string" ? (c: ApiCall) => c.method === match : match;
    const label = typeof match === "string" ? match : "predicate";
    return this.waitIn(this.calls, this.callWaiters, pred, opts, (timeoutMs) => {
      const seen = this.calls
        .map((c, i) => `  #${i} ${c.method} token=${c.token ?? "-"} ${describe(c.args)}`)
        .join("\n");
      return new Error(
        `FakeSlack.waitFor(${label}): no matching Web API call within ${timeoutMs} ms` +
          `${opts.from ? ` (from index ${opts.from})` : ""}. Calls seen (${this.calls.length}):\n${seen || "  (none)"}`,
      );
    });
  }

  /** Resolves with the first response_url POST (recorded or future) matching the predicate (any by default). */
  waitForResponse(
    match: (post: ResponsePost) => boolean = () => true,
    opts: WaitOptions = {},
  ): Promise<ResponsePost> {
    return this.waitIn(this.responses, this.responseWaiters, match, opts, (timeoutMs) => {
      const seen = this.responses.map((r, i) => `  #${i} ${r.path} ${describe(r.body)}`).join("\n");
      return new Error(
        `FakeSlack.waitForResponse: no matching response_url POST within ${timeoutMs} ms. ` +
          `Responses seen (${this.responses.length}):\n${seen || "  (none)"}\n` +
          `Web API calls seen: ${this.calls.map((c) => c.method).join(", ") || "(none)"}`,
      );
    });
  }

  /** A response_url on this fake. Every call without an id gives a fresh one. */
  responseUrl(id?: string): string {
    this.responseSeq += 1;
    return `${this.baseUrl}/response_url/${encodeURIComponent(id ?? `r${this.responseSeq}`)}`;
  }

  /** Clears records, overrides and the response handler. Connections and pending waits are kept. */
  reset(): void {
    this.calls.length = 0;
    this.messages.length = 0;
    this.responses.length = 0;
    this.envelopes.length = 0;
    this.socketFrames.length = 0;
    this.overrides.clear();
    this.people.clear();
    this.responseHandler = undefined;
  }

  // -------------------------------------------------------------------------------------------------------
  // Token rotation

  /** Turns token rotation on: installs and refreshes hand out pairs whose access token lives `expiresInS`. */
  enableRotation(expiresInS: number): void {
    this.rotation = { expiresInS };
  }

  /** Issues an expiring bot token and its refresh token, as an install with rotation on would. */
  issueTokens(expiresInS = this.rotation?.expiresInS ?? 43_200): {
    accessToken: string;
    refreshToken: string;
    expiresIn: number;
    /** Unix seconds. */
    expiresAt: number;
  } {
    this.tokenSeq += 1;
    const salt = randomUUID().slice(0, 8);
    const accessToken = `xoxe.xoxb-1-${this.tokenSeq}-${salt}`;
    const refreshToken = `xoxe-1-${this.tokenSeq}-${salt}`;
    const expiresAtMs = this.tokenClock() + expiresInS * 1000;
    this.accessTokens.set(accessToken, expiresAtMs);
    this.refreshTokens.set(refreshToken, "live");
    return { accessToken, refreshToken, expiresIn: expiresInS, expiresAt: Math.floor(expiresAtMs / 1000) };
  }

  /** Makes an issued access token expire now (Slack's clock ahead of the app's, say). */
  expireToken(accessToken: string): void {
    if (this.accessTokens.has(accessToken)) this.accessTokens.set(accessToken, this.tokenClock() - 1);
  }

  /** Revokes every live refresh token (the app was uninstalled, or its secret rotated). */
  revokeRefreshTokens(): void {
    for (const [token, state] of this.refreshTokens)
      if (state === "live") this.refreshTokens.set(token, "revoked");
  }

  /** The oauth.v2.access calls that refreshed (or tried to refresh) a token. */
  get refreshCalls(): ApiCall[] {
    return this.callsTo("oauth.v2.access").filter((c) => c.args.grant_type === "refresh_token");
  }

  private refresh(args: Obj, call: ApiCall): Obj {
    if (!str(args.client_id) && !call.basicAuth) return { ok: false, error: "invalid_client_id" };
    if (!str(args.client_secret) && !call.basicAuth) return { ok: false, error: "bad_client_secret" };
    const given = str(args.refresh_token) ?? "";
    if (this.refreshTokens.get(given) !== "live") return { ok: false, error: "invalid_refresh_token" };
    this.refreshTokens.set(given, "spent");
    return this.tokenAnswer(this.issueTokens());
  }

  private tokenAnswer(pair: { accessToken: string; refreshToken: string; expiresIn: number }): Obj {
    return {
      ok: true,
      app_id: APP_ID,
      scope: "app_mentions:read,chat:write,commands,im:history,im:write,users:read",
      token_type: "bot",
      access_token: pair.accessToken,
      refresh_token: pair.refreshToken,
      expires_in: pair.expiresIn,
      bot_user_id: BOT_USER_ID,
      team: { id: TEAM_ID, name: TEAM_NAME },
      enterprise: null,
      is_enterprise_install: false,
    };
  }

  // -------------------------------------------------------------------------------------------------------
  // Socket Mode

  /** Number of currently open Socket Mode connections. */
  get openSockets(): number {
    return this.openList().length;
  }

  /**
   * Resolves once an app is connected (hello sent). With `count`, waits until that many connections have
   * been accepted in total — e.g. `count: slack.connectionCount + 1` to wait for a reconnect.
   */
  socketConnected(opts: { timeoutMs?: number; count?: number } = {}): Promise<number> {
    const count = opts.count ?? 1;
    const ready = () => this.connectionCount >= count && this.openList().length > 0;
    if (ready()) return Promise.resolve(this.connectionCount);
    const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_MS;
    return this.guard(
      new Promise<number>((resolve, reject) => {
        const waiter: Waiter<number> = {
          match: () => ready(),
          from: 0,
          resolve,
          reject,
          timer: setTimeout(() => {
            this.connectionWaiters = this.connectionWaiters.filter((w) => w !== waiter);
            const opening = this.calls.filter((c) => c.method === "apps.connections.open").length;
            reject(
              new Error(
                `FakeSlack.socketConnected: ${this.connectionCount} connection(s) accepted, wanted ${count}, ` +
                  `within ${timeoutMs} ms (apps.connections.open called ${opening} time(s))`,
              ),
            );
          }, timeoutMs),
        };
        this.connectionWaiters.push(waiter);
      }),
    );
  }

  /**
   * Sends `payload` in a Socket Mode envelope to the newest open connection and resolves with the payload
   * of the app's ack frame (`{}` when the ack had none). Rejects when nothing is connected or no ack
   * arrives in time. For "events_api", a bare event (no `event` key) is wrapped with eventCallbackPayload.
   */
  sendEnvelope(type: EnvelopeType, payload: object, opts: SendEnvelopeOptions = {}): Promise<Obj> {
    const ws = this.openList().at(-1);
    if (!ws) {
      return Promise.reject(
        new Error(
          `FakeSlack.sendEnvelope(${type}): no Socket Mode connection is open; await socketConnected() first`,
        ),
      );
    }
    const given = payload as Obj;
    const body = type === "events_api" && !("event" in given) ? eventCallbackPayload(given) : given;
    const envelopeId = randomUUID();
    const accepts =
      opts.acceptsResponsePayload ??
      (type === "slash_commands" ||
        (type === "interactive" && (body.type === "view_submission" || body.type === "block_suggestion")));
    const envelope: SocketEnvelope = {
      envelope_id: envelopeId,
      payload: body,
      type,
      accepts_response_payload: accepts,
    };
    if (type === "events_api" || opts.retryAttempt !== undefined || opts.retryReason !== undefined) {
      envelope.retry_attempt = opts.retryAttempt ?? 0;
      envelope.retry_reason = opts.retryReason ?? "";
    }
    const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_MS;
    const acked = this.guard(
      new Promise<Obj>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.pendingAcks.delete(envelopeId);
          reject(
            new Error(
              `FakeSlack.sendEnvelope(${type}): envelope ${envelopeId} was not acked within ${timeoutMs} ms ` +
                `(payload ${describe(body, 120)})`,
            ),
          );
        }, timeoutMs);
        this.pendingAcks.set(envelopeId, { resolve, reject, timer });
      }),
    );
    this.envelopes.push(envelope);
    ws.send(JSON.stringify(envelope));
    return acked;
  }

  /** Sends `{"type":"disconnect","reason":…}` to every open connection; the client closes and reconnects. */
  sendDisconnect(
    reason: "warning" | "refresh_requested" | "too_many_websockets" | string = "refresh_requested",
  ): number {
    const frame = JSON.stringify({ type: "disconnect", reason, debug_info: { host: "applink-fake-slack" } });
    const open = this.openList();
    for (const ws of open) ws.send(frame);
    return open.length;
  }

  /** Drops every open connection without a close handshake (a network failure, from the app's side). */
  terminateSockets(): void {
    for (const ws of [...this.sockets]) ws.terminate();
  }

  // -------------------------------------------------------------------------------------------------------
  // Lifecycle

  /** Terminates sockets, rejects pending waits and stops the server. Stop the Bolt app first. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (getDefaultResponseUrlFactory() === this.responseUrlFactory) setDefaultResponseUrl(undefined);
    const closedErr = () => new Error("FakeSlack closed");
    for (const [id, pending] of this.pendingAcks) {
      clearTimeout(pending.timer);
      pending.reject(closedErr());
      this.pendingAcks.delete(id);
    }
    for (const w of [...this.callWaiters, ...this.responseWaiters, ...this.connectionWaiters]) {
      clearTimeout(w.timer);
      w.reject(closedErr());
    }
    this.callWaiters = [];
    this.responseWaiters = [];
    this.connectionWaiters = [];
    // Close sockets with a handshake first (a stopped app's client is usually closing already), then force.
    const open = [...this.sockets];
    await Promise.race([
      Promise.all(
        open.map(
          (ws) =>
            new Promise<void>((resolve) => {
              if (ws.readyState === ws.CLOSED) return resolve();
              ws.once("close", () => resolve());
              if (ws.readyState === ws.OPEN) ws.close(1001, "fake slack closing");
            }),
        ),
      ),
      new Promise<void>((resolve) => setTimeout(resolve, 1000).unref()),
    ]);
    for (const ws of open) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }

  // -------------------------------------------------------------------------------------------------------
  // Internals

  /** Marks a promise as handled internally so a caller that does not await it never sees an unhandled rejection. */
  private guard<T>(p: Promise<T>): Promise<T> {
    p.catch(() => {});
    return p;
  }

  private openList(): WebSocket[] {
    return this.sockets.filter((ws) => ws.readyState === ws.OPEN);
  }

  private waitIn<T>(
    list: T[],
    waiters: Waiter<T>[],
    match: (item: T) => boolean,
    opts: WaitOptions,
    timeoutError: (timeoutMs: number) => Error,
  ): Promise<T> {
    const from = opts.from ?? 0;
    const found = list.slice(from).find(match);
    if (found !== undefined) return Promise.resolve(found);
    if (this.closed) return Promise.reject(new Error("FakeSlack closed"));
    const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_MS;
    return this.guard(
      new Promise<T>((resolve, reject) => {
        const waiter: Waiter<T> = {
          match,
          from,
          resolve,
          reject,
          timer: setTimeout(() => {
            const i = waiters.indexOf(waiter);
            if (i >= 0) waiters.splice(i, 1);
            reject(timeoutError(timeoutMs));
          }, timeoutMs),
        };
        waiters.push(waiter);
      }),
    );
  }

  private notify<T>(waiters: Waiter<T>[], item: T, index: number): void {
    for (const w of [...waiters]) {
      if (index < w.from) continue;
      let ok = false;
      try {
        ok = w.match(item);
      } catch (err) {
        clearTimeout(w.timer);
        waiters.splice(waiters.indexOf(w), 1);
        w.reject(err instanceof Error ? err : new Error(String(err)));
        continue;
      }
      if (ok) {
        clearTimeout(w.timer);
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(item);
      }
    }
  }

  private async handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.baseUrl);
    const buf = await readBody(req);
    if (url.pathname.startsWith("/api/")) {
      await this.handleApi(decodeURIComponent(url.pathname.slice("/api/".length)), url, req, res, buf);
      return;
    }
    if (url.pathname.startsWith("/response_url/") && req.method === "POST") {
      await this.handleResponseUrl(url.pathname, req, res, buf);
      return;
    }
    sendJson(res, 404, { ok: false, error: "unknown_path", path: url.pathname });
  }

  private async handleApi(method: string, url: URL, req: IncomingMessage, res: ServerResponse, buf: Buffer) {
    const contentType = req.headers["content-type"] ?? "";
    let args: Obj;
    try {
      args = await parseBody(buf, contentType);
    } catch (err) {
      sendJson(res, 200, { ok: false, error: "invalid_json", detail: String(err) });
      return;
    }
    for (const [key, value] of url.searchParams) if (!(key in args)) args[key] = decodeFormValue(key, value);
    const bodyToken = str(args.token);
    delete args.token;
    const bearer = /^Bearer\s+(\S+)/i.exec(req.headers.authorization ?? "")?.[1];
    const basicAuth = /^Basic\s+\S+/i.test(req.headers.authorization ?? "");
    const call: ApiCall = {
      method,
      token: bearer ?? bodyToken,
      args,
      at: Date.now(),
      contentType,
      ...(basicAuth ? { basicAuth } : {}),
    };
    this.calls.push(call);
    this.notify(this.callWaiters, call, this.calls.length - 1);

    // An expired token is refused whatever the method, overridden or not, as Slack does.
    const expiresAt = call.token ? this.accessTokens.get(call.token) : undefined;
    const expired = expiresAt !== undefined && expiresAt <= this.tokenClock() && !NO_AUTH_METHODS.has(method);
    let reply: ApiReply;
    const override = expired ? undefined : this.overrides.get(method);
    try {
      reply = override ? await override(args, call) : undefined;
    } catch (err) {
      call.status = 500;
      sendJson(res, 500, { ok: false, error: "fake_slack_handler_threw", detail: String(err) });
      return;
    }
    if (reply === undefined && expired) reply = { ok: false, error: "token_expired" };
    if (reply === undefined && method === "oauth.v2.access" && args.grant_type === "refresh_token")
      reply = this.refresh(args, call);
    if (reply === undefined) {
      reply =
        call.token || NO_AUTH_METHODS.has(method)
          ? this.defaultReply(method, args)
          : { ok: false, error: "not_authed" };
    }
    if (!isHttpReply(reply) && reply.ok === false) call.error = str(reply.error);
    call.status = this.send(res, reply);
  }

  private async handleResponseUrl(path: string, req: IncomingMessage, res: ServerResponse, buf: Buffer) {
    const text = buf.toString("utf8");
    let body: unknown = text;
    if ((req.headers["content-type"] ?? "").includes("json") || /^\s*[[{]/.test(text)) {
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        body = text;
      }
    }
    const post: ResponsePost = {
      path,
      id: decodeURIComponent(path.slice("/response_url/".length)),
      body,
      at: Date.now(),
    };
    this.responses.push(post);
    this.notify(this.responseWaiters, post, this.responses.length - 1);
    let reply: ApiReply;
    try {
      reply = this.responseHandler ? await this.responseHandler(body, post) : undefined;
    } catch (err) {
      sendJson(res, 500, { ok: false, error: "fake_slack_handler_threw", detail: String(err) });
      return;
    }
    this.send(res, reply ?? { ok: true });
  }

  private send(res: ServerResponse, reply: Obj | HttpReply): number {
    if (isHttpReply(reply)) {
      const headers: Record<string, string> = { ...reply.headers };
      if (reply.retryAfter !== undefined) headers["retry-after"] = String(reply.retryAfter);
      const body = reply.body ?? (reply.status === 429 ? { ok: false, error: "ratelimited" } : { ok: false });
      if (typeof body === "string") {
        res.writeHead(reply.status, { "content-type": "text/plain; charset=utf-8", ...headers });
        res.end(body);
      } else {
        sendJson(res, reply.status, body, headers);
      }
      return reply.status;
    }
    sendJson(res, 200, reply);
    return 200;
  }

  private defaultReply(method: string, args: Obj): Obj {
    const channel = str(args.channel);
    switch (method) {
      case "api.test":
        return { ok: true, args };
      case "auth.test":
        return {
          ok: true,
          url: `https://${TEAM_DOMAIN}.slack.com/`,
          team: TEAM_DOMAIN,
          user: "deal-coach",
          team_id: TEAM_ID,
          user_id: BOT_USER_ID,
          bot_id: BOT_ID,
          is_enterprise_install: false,
        };
      case "apps.connections.open":
        return { ok: true, url: `${this.socketUrl}?ticket=${randomUUID()}&app_id=${APP_ID}` };
      case "chat.postMessage": {
        if (!channel) return { ok: false, error: "channel_not_found" };
        if (args.text === undefined && args.blocks === undefined && args.attachments === undefined) {
          return { ok: false, error: "no_text" };
        }
        const ts = nextTs();
        const { channel: _c, ...rest } = args;
        this.messages.push({
          channel: dmOf(channel),
          ts,
          ...(str(args.thread_ts) ? { thread_ts: str(args.thread_ts) } : {}),
          type: "message",
          user: BOT_USER_ID,
          bot_id: BOT_ID,
          app_id: APP_ID,
          ...(args.text !== undefined ? { text: String(args.text) } : {}),
          ...(args.blocks !== undefined ? { blocks: args.blocks } : {}),
          ...(args.metadata !== undefined ? { metadata: args.metadata } : {}),
        });
        return {
          ok: true,
          // A user id as the channel posts in the app's DM with that user; Slack answers with the DM's id.
          channel: dmOf(channel),
          ts,
          message: {
            type: "message",
            user: BOT_USER_ID,
            bot_id: BOT_ID,
            app_id: APP_ID,
            team: TEAM_ID,
            ...rest,
            ts,
          },
        };
      }
      case "chat.postEphemeral":
        return { ok: true, message_ts: nextTs() };
      case "chat.update": {
        const { channel: _c, ts: _t, ...rest } = args;
        // What Slack holds changes with the update (a message the fake never posted is left alone).
        const held = this.messages.find((m) => m.channel === dmOf(channel ?? "") && m.ts === str(args.ts));
        if (held) {
          if (args.text !== undefined) held.text = String(args.text);
          if (args.blocks !== undefined) held.blocks = args.blocks;
        }
        return {
          ok: true,
          channel,
          ts: str(args.ts) ?? nextTs(),
          text: str(args.text) ?? "",
          message: {
            type: "message",
            user: BOT_USER_ID,
            bot_id: BOT_ID,
            app_id: APP_ID,
            team: TEAM_ID,
            ...rest,
          },
        };
      }
      case "chat.delete": {
        const at = this.messages.findIndex((m) => m.channel === dmOf(channel ?? "") && m.ts === str(args.ts));
        if (at >= 0) this.messages.splice(at, 1);
        return { ok: true, channel, ts: args.ts };
      }
      case "chat.scheduleMessage":
        return { ok: true, channel, scheduled_message_id: nextId("Q"), post_at: args.post_at };
      case "chat.getPermalink":
        return {
          ok: true,
          channel,
          permalink: `https://${TEAM_DOMAIN}.slack.com/archives/${channel}/p${String(args.message_ts ?? "").replace(".", "")}`,
        };
      case "views.open":
      case "views.push":
      case "views.update":
      case "views.publish": {
        const given = typeof args.view === "object" && args.view !== null ? (args.view as Obj) : {};
        const id = str(args.view_id) ?? nextId("V");
        return {
          ok: true,
          view: {
            id,
            team_id: TEAM_ID,
            type: method === "views.publish" ? "home" : "modal",
            private_metadata: "",
            callback_id: "",
            state: { values: {} },
            hash: `${Math.floor(Date.now() / 1000)}.${id}`,
            clear_on_close: false,
            notify_on_close: false,
            root_view_id: id,
            previous_view_id: null,
            app_id: APP_ID,
            external_id: "",
            app_installed_team_id: TEAM_ID,
            bot_id: BOT_ID,
            ...given,
          },
        };
      }
      case "conversations.open": {
        const users = str(args.users) ?? "";
        const first = users.split(",")[0]?.trim() ?? "";
        if (!first && !channel) return { ok: false, error: "users_list_not_supplied" };
        return { ok: true, channel: { id: channel ?? dmOf(first) } };
      }
      case "conversations.history":
        return this.history(args);
      case "conversations.replies":
        return this.replies(args);
      case "users.info": {
        const id = str(args.user);
        if (!id) return { ok: false, error: "user_not_found" };
        return { ok: true, user: this.userObject(id) };
      }
      case "users.lookupByEmail": {
        const email = str(args.email)?.toLowerCase();
        const id = [...this.people].find(([, p]) => email && p.email?.toLowerCase() === email)?.[0];
        return id ? { ok: true, user: this.userObject(id) } : { ok: false, error: "users_not_found" };
      }
      case "team.info":
        return { ok: true, team: { id: TEAM_ID, name: TEAM_NAME, domain: TEAM_DOMAIN } };
      case "oauth.v2.access":
        if (this.rotation) return this.tokenAnswer(this.issueTokens());
        return {
          ok: true,
          app_id: APP_ID,
          authed_user: { id: USER_ID },
          scope: "app_mentions:read,chat:write,commands,im:history,im:write,users:read",
          token_type: "bot",
          access_token: `xoxb-${TEAM_ID}-fake-${randomUUID().slice(0, 8)}`,
          bot_user_id: BOT_USER_ID,
          team: { id: TEAM_ID, name: TEAM_NAME },
          enterprise: null,
          is_enterprise_install: false,
        };
      default:
        return { ok: true };
    }
  }

  /** A user as users.info returns it, with what setPerson() said about them. */
  private userObject(id: string): Obj {
    const p = this.people.get(id) ?? {};
    return {
      id,
      team_id: TEAM_ID,
      name: id.toLowerCase(),
      real_name: id,
      deleted: p.deleted ?? false,
      tz: "Europe/London",
      tz_label: "Greenwich Mean Time",
      tz_offset: 0,
      is_bot: p.is_bot ?? false,
      is_admin: p.is_admin ?? false,
      is_owner: p.is_owner ?? false,
      is_primary_owner: p.is_primary_owner ?? false,
      profile: { real_name: id, display_name: id, ...(p.email ? { email: p.email } : {}) },
    };
  }

  /**
   * conversations.history over the posted messages, as Slack documents it: newest first, top-level
   * messages only (thread replies stay in their thread), `oldest`/`latest` exclusive unless `inclusive`,
   * `limit` (default 100) pages with an opaque cursor, and message metadata only when
   * `include_all_metadata` is set.
   */
  private history(args: Obj): Obj {
    const channel = str(args.channel);
    if (!channel) return { ok: false, error: "channel_not_found" };
    const inChannel = this.messages.filter(
      (m) => m.channel === dmOf(channel) && (m.thread_ts === undefined || m.thread_ts === m.ts),
    );
    return this.page(inChannel.reverse(), args);
  }

  /**
   * conversations.replies: the thread's parent then its replies, oldest first. A thread the fake never
   * saw posted answers with no messages rather than thread_not_found, so that tests may name any ts.
   */
  private replies(args: Obj): Obj {
    const channel = str(args.channel);
    const ts = str(args.ts);
    if (!channel || !ts) return { ok: false, error: channel ? "thread_not_found" : "channel_not_found" };
    const thread = this.messages.filter(
      (m) => m.channel === dmOf(channel) && (m.ts === ts || m.thread_ts === ts),
    );
    return this.page(thread, args);
  }

  private page(ordered: StoredMessage[], args: Obj): Obj {
    const inclusive = args.inclusive === true || args.inclusive === "true" || args.inclusive === "1";
    const after = (ts: string, bound: unknown) =>
      bound === undefined ||
      bound === "" ||
      (inclusive ? Number(ts) >= Number(bound) : Number(ts) > Number(bound));
    const before = (ts: string, bound: unknown) =>
      bound === undefined ||
      bound === "" ||
      (inclusive ? Number(ts) <= Number(bound) : Number(ts) < Number(bound));
    const withMeta =
      args.include_all_metadata === true ||
      args.include_all_metadata === "true" ||
      args.include_all_metadata === "1";
    const inRange = ordered.filter((m) => after(m.ts, args.oldest) && before(m.ts, args.latest));
    const limit = Math.max(1, Math.min(999, Number(args.limit ?? 100) || 100));
    const start = str(args.cursor) ? Number(Buffer.from(String(args.cursor), "base64").toString()) || 0 : 0;
    const slice = inRange.slice(start, start + limit);
    const more = start + limit < inRange.length;
    return {
      ok: true,
      messages: slice.map(({ channel: _c, metadata, ...m }) =>
        withMeta && metadata ? { ...m, metadata } : m,
      ),
      has_more: more,
      response_metadata: { next_cursor: more ? Buffer.from(String(start + limit)).toString("base64") : "" },
    };
  }

  private onConnection(ws: WebSocket): void {
    if (this.closed) {
      ws.terminate();
      return;
    }
    this.sockets.push(ws);
    this.accepted += 1;
    ws.on("message", (data: RawData, isBinary: boolean) => {
      if (!isBinary) this.onSocketMessage(data);
    });
    ws.on("close", () => {
      const i = this.sockets.indexOf(ws);
      if (i >= 0) this.sockets.splice(i, 1);
    });
    ws.on("error", () => {});
    ws.send(
      JSON.stringify({
        type: "hello",
        num_connections: this.sockets.length,
        debug_info: { host: "applink-fake-slack", build_number: 10, approximate_connection_time: 18060 },
        connection_info: { app_id: APP_ID },
      }),
    );
    this.notify(this.connectionWaiters, this.connectionCount, this.connectionCount);
  }

  private onSocketMessage(data: RawData): void {
    let frame: Obj;
    try {
      frame = JSON.parse(data.toString()) as Obj;
    } catch {
      return;
    }
    this.socketFrames.push({ data: frame, at: Date.now() });
    const id = str(frame.envelope_id);
    const pending = id ? this.pendingAcks.get(id) : undefined;
    if (id && pending) {
      this.pendingAcks.delete(id);
      clearTimeout(pending.timer);
      const payload = frame.payload;
      pending.resolve(typeof payload === "object" && payload !== null ? (payload as Obj) : {});
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// HTTP-mode helpers

/** Slack's request signature headers for `body` (v0 HMAC-SHA256 of "v0:<ts>:<body>"). */
export function signRequest(
  secret: string,
  body: string,
  timestamp: number = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const signature = createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex");
  return {
    "x-slack-signature": `v0=${signature}`,
    "x-slack-request-timestamp": String(timestamp),
    "content-type": /^\s*\{/.test(body) ? "application/json" : "application/x-www-form-urlencoded",
  };
}

export interface PostToAppOptions {
  /** Signing secret; omit to send the request unsigned. */
  secret?: string;
  /** Unix seconds used in the signature; default now. */
  timestamp?: number;
  contentType?: string;
  /** Extra headers (e.g. x-slack-retry-num), applied last so they can override the signature. */
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface AppResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  json?: unknown;
}

/** POSTs a (signed) body to an app in HTTP mode, over a fresh connection that is not kept alive. */
export function postToApp(url: string, body: string, opts: PostToAppOptions = {}): Promise<AppResponse> {
  const headers: Record<string, string> = opts.secret
    ? signRequest(opts.secret, body, opts.timestamp)
    : { "content-type": /^\s*\{/.test(body) ? "application/json" : "application/x-www-form-urlencoded" };
  if (opts.contentType) headers["content-type"] = opts.contentType;
  Object.assign(headers, opts.headers);
  headers["content-length"] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: "POST", headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        if (text !== "") {
          try {
            json = JSON.parse(text) as unknown;
          } catch {
            json = undefined;
          }
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json });
      });
    });
    req.setTimeout(opts.timeoutMs ?? 10_000, () => req.destroy(new Error(`postToApp(${url}) timed out`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** A slash command as Slack POSTs it: form-encoded, realistic defaults, response_url on the running fake. */
export function slashCommandBody(fields: Partial<SlashCommandFields> = {}): string {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(slashCommand(fields)))
    if (value !== undefined) out.set(key, value);
  return out.toString();
}

/** An interactive payload (block_actions, view_submission…) as Slack POSTs it: `payload=<json>`. */
export function interactiveBody(payload: object): string {
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** The event_callback envelope around `event`, as the JSON string Slack POSTs. */
export function eventCallback(event: Obj, opts: EventCallbackOptions = {}): string {
  return JSON.stringify(eventCallbackPayload(event, opts));
}
