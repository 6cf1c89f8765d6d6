import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { replyJson } from "../../src/http-reply.js";

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe("replyJson", () => {
  it("writes the status, a JSON content type and the body", async () => {
    const url = await serve((_req, res) => replyJson(res, 418, { error: "teapot" }));
    const response = await fetch(url);
    expect(response.status).toBe(418);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ error: "teapot" });
  });

  it("leaves an answer already under way alone", async () => {
    const url = await serve((_req, res) => {
      replyJson(res, 202, { accepted: 1 });
      replyJson(res, 500, { error: "internal error" });
    });
    const response = await fetch(url);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: 1 });
  });
});
