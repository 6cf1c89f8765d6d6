import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { replyJson } from "./http-reply.js";
import type { Logger } from "./logger.js";

// The one HTTP server on PORT, in every Slack mode: /healthz, Slack's own paths in HTTP modes, and the
// deal webhooks. Owning it (rather than Bolt's receiver owning it) is what lets Socket Mode still serve
// /healthz and webhooks, and lets shutdown stop taking requests before it closes the store.

export type HealthStatus = "ok" | "starting" | "stopping" | "disconnected";

export type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * What one client may hold: Node's defaults let a body trickle in for 300 s and take any number of
 * connections, so a few slow clients could hold the process.
 */
export interface ServerLimits {
  /** The whole request, headers and body, must arrive within this; then 408 and the connection closes. */
  requestTimeoutMs: number;
  /** The headers must arrive within this (default 10 s, at most the request timeout). */
  headersTimeoutMs?: number;
  /** An idle kept-alive connection closes after this (default 5 s). */
  keepAliveTimeoutMs?: number;
  /** Connections open at once; one more is closed as it arrives. */
  maxConnections: number;
  /** How often Node looks for timed-out requests (default 1 s); a timeout fires up to this late. */
  checkIntervalMs?: number;
}

/** Connections refused at the cap are logged once, then at most once a minute with their count. */
const DROP_LOG_MS = 60_000;

export interface ServerOptions {
  logger: Logger;
  limits: ServerLimits;
  /** 200 only for "ok"; 503 while starting, stopping, or cut off from Slack (README "Health: /healthz"). */
  health: () => Record<string, unknown> & { status: HealthStatus };
  /** false while starting: every route but /healthz answers 503 with Retry-After (the store isn't open). */
  ready?: () => boolean;
  slack?: Route;
  /** Extra routes by "METHOD /path". */
  routes?: Record<string, Route>;
}

export function createAppServer(options: ServerOptions): Server {
  const limits = options.limits;
  const requestTimeout = limits.requestTimeoutMs;
  const server = createServer(
    {
      requestTimeout,
      headersTimeout: Math.min(limits.headersTimeoutMs ?? 10_000, requestTimeout),
      keepAliveTimeout: limits.keepAliveTimeoutMs ?? 5_000,
      // Node checks the two timeouts above only this often (30 s by default, which would double them).
      connectionsCheckingInterval: limits.checkIntervalMs ?? 1_000,
    },
    handler(options),
  );
  server.maxConnections = limits.maxConnections;
  let dropped = 0;
  let lastLog = 0;
  server.on("drop", () => {
    dropped++;
    const now = Date.now();
    if (now - lastLog < DROP_LOG_MS) return;
    options.logger.warn(
      { dropped, maxConnections: limits.maxConnections },
      "too many connections: closing new ones",
    );
    lastLog = now;
    dropped = 0;
  });
  return server;
}

function handler(options: ServerOptions) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const method = (req.method ?? "GET").toUpperCase();
    try {
      if (path === "/healthz" && (method === "GET" || method === "HEAD")) {
        const health = options.health();
        replyJson(res, health.status === "ok" ? 200 : 503, health);
        return;
      }
      if (options.ready && !options.ready()) {
        res.setHeader("retry-after", "5");
        replyJson(res, 503, { error: "starting" });
        return;
      }
      const route = options.routes?.[`${method} ${path}`];
      if (route) {
        Promise.resolve(route(req, res)).catch((err) => {
          options.logger.error({ err: { message: (err as Error).message }, path }, "route failed");
          replyJson(res, 500, { error: "internal error" });
        });
        return;
      }
      if (path.startsWith("/slack/") && options.slack) {
        options.slack(req, res);
        return;
      }
      replyJson(res, 404, { error: `no route for ${method} ${path}` });
    } catch (err) {
      options.logger.error({ err: { message: (err as Error).message }, path }, "request failed");
      replyJson(res, 500, { error: "internal error" });
    }
  };
}
