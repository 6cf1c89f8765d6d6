import type { ServerResponse } from "node:http";

/**
 * Replies with a JSON body. Does nothing once the headers are out: a route that already answered (or
 * began streaming) must not have a second status written over it by an error path.
 */
export function replyJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
