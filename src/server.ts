import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "./logger.js";

// The one HTTP server on PORT, in every Slack mode: /healthz, Slack's own paths in HTTP modes, and the
// deal webhooks. Owning it (rather than Bolt's receiver owning it) is what lets Socket Mode still serve
// /healthz and webhooks, and lets shutdown stop taking requests before it closes the store.

export type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface ServerOptions {
  logger: Logger;
  health: () => Record<string, unknown> & { status: "ok" | "stopping" };
  slack?: Route;
  /** Extra routes by "METHOD /path". */
  routes?: Record<string, Route>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

export function createAppServer(options: ServerOptions): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const method = (req.method ?? "GET").toUpperCase();
    try {
      if (path === "/healthz" && (method === "GET" || method === "HEAD")) {
        const health = options.health();
        json(res, health.status === "ok" ? 200 : 503, health);
        return;
      }
      const route = options.routes?.[`${method} ${path}`];
      if (route) {
        Promise.resolve(route(req, res)).catch((err) => {
          options.logger.error({ err: { message: (err as Error).message }, path }, "route failed");
          if (!res.headersSent) json(res, 500, { error: "internal error" });
        });
        return;
      }
      if (path.startsWith("/slack/") && options.slack) {
        options.slack(req, res);
        return;
      }
      json(res, 404, { error: `no route for ${method} ${path}` });
    } catch (err) {
      options.logger.error({ err: { message: (err as Error).message }, path }, "request failed");
      if (!res.headersSent) json(res, 500, { error: "internal error" });
    }
  });
}
