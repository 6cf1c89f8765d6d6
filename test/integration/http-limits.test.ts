import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { connect, type Socket } from "node:net";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../src/deals/webhook-route.js";
import { createLogger } from "../../src/logger.js";
import { createAppServer, type ServerLimits } from "../../src/server.js";
import { startHarness } from "../support/app-harness.js";

// The HTTP server's own limits, on a real socket: a client that trickles its request is cut off at the
// request timeout, one that never finishes its headers at the headers timeout, and connections past the
// cap are closed as they arrive. The timeouts are injected (seconds, not the production 30 s).

const logs: Record<string, unknown>[] = [];
const logger = createLogger(
  "info",
  new Writable({
    write(chunk, _enc, done) {
      logs.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  }),
);

/** Reads the whole body, as a webhook route does, and answers 200. */
function echo(req: IncomingMessage, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
    });
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ size }));
      resolve();
    });
  });
}

let server: Server | undefined;

async function serve(limits: ServerLimits): Promise<number> {
  server = createAppServer({
    logger,
    limits,
    health: () => ({ status: "ok" }),
    routes: { "POST /echo": echo },
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

afterEach(async () => {
  const s = server;
  server = undefined;
  if (!s) return;
  s.closeAllConnections();
  await new Promise<void>((resolve) => s.close(() => resolve()));
});

interface Closed {
  /** What the server sent before closing (e.g. a 408), as text. */
  received: string;
  /** ms from connect to close. */
  afterMs: number;
}

/** Opens a raw connection and resolves when the server closes it (or rejects after `maxMs`). */
function openSocket(port: number, maxMs: number): { socket: Socket; closed: Promise<Closed> } {
  const socket = connect(port, "127.0.0.1");
  const started = performance.now();
  let received = "";
  socket.on("data", (d) => {
    received += d.toString("latin1");
  });
  socket.on("error", () => undefined);
  const closed = new Promise<Closed>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still open after ${maxMs} ms`)), maxMs);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ received, afterMs: performance.now() - started });
    });
  });
  closed.catch(() => undefined);
  return { socket, closed };
}

const connected = (socket: Socket) =>
  new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });

describe("HTTP server limits", () => {
  it("cuts off a client that trickles its body at the request timeout, with 408", async () => {
    const port = await serve({ requestTimeoutMs: 1500, maxConnections: 10, checkIntervalMs: 100 });
    const { socket, closed } = openSocket(port, 10_000);
    await connected(socket);
    socket.write(
      "POST /echo HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n",
    );
    const trickle = setInterval(() => {
      if (!socket.destroyed) socket.write("a");
    }, 100);
    try {
      const { received, afterMs } = await closed;
      expect(received).toMatch(/^HTTP\/1\.1 408/);
      expect(afterMs).toBeGreaterThanOrEqual(1400);
      expect(afterMs).toBeLessThan(6000);
    } finally {
      clearInterval(trickle);
    }
  });

  it("cuts off a client that never finishes its headers at the headers timeout", async () => {
    const port = await serve({
      requestTimeoutMs: 5000,
      headersTimeoutMs: 800,
      maxConnections: 10,
      checkIntervalMs: 100,
    });
    const { socket, closed } = openSocket(port, 10_000);
    await connected(socket);
    socket.write("POST /echo HTTP/1.1\r\nhost: x\r\n");
    const { received, afterMs } = await closed;
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    expect(afterMs).toBeLessThan(4000);
  });

  it("still serves a request that arrives in time", async () => {
    const port = await serve({ requestTimeoutMs: 1500, maxConnections: 10, checkIntervalMs: 100 });
    const res = await fetch(`http://127.0.0.1:${port}/echo`, { method: "POST", body: "x".repeat(5000) });
    expect(await res.json()).toEqual({ size: 5000 });
  });

  it("closes connections past the cap as they arrive, and takes new ones once there is room", async () => {
    const port = await serve({ requestTimeoutMs: 20_000, maxConnections: 3, checkIntervalMs: 100 });
    const held = [0, 1, 2].map(() => openSocket(port, 30_000));
    await Promise.all(held.map((h) => connected(h.socket)));
    // An unfinished request on each: the connections are busy, not idle.
    for (const h of held) h.socket.write("POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\n");
    await new Promise((r) => setTimeout(r, 100));
    const extra = openSocket(port, 5000);
    extra.socket.write("GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n");
    const refused = await extra.closed;
    expect(refused.received).toBe("");
    expect(logs.some((l) => String(l.msg).includes("too many connections"))).toBe(true);
    // One held connection finishes its request and leaves: the next client gets in.
    held[0]?.socket.end("0123456789");
    await held[0]?.closed;
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { connection: "close" } });
    expect(res.status).toBe(200);
    for (const h of held) h.socket.destroy();
  });
});

describe("webhook bodies", () => {
  it("stop being read at the 1 MB limit: 413, and the connection closes while the sender is still sending", async () => {
    const h = await startHarness("http", "info", { DEAL_WEBHOOK_SECRET: "whsec" });
    try {
      const { socket, closed } = openSocket(h.running.port, 20_000);
      await connected(socket);
      socket.write(
        "POST /webhooks/deals HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
      );
      // 64 MB on offer, 64 KB at a time, as fast as the server takes it.
      const chunk = Buffer.alloc(64 * 1024, "*");
      const frame = Buffer.concat([
        Buffer.from(`${chunk.length.toString(16)}\r\n`),
        chunk,
        Buffer.from("\r\n"),
      ]);
      let sent = 0;
      let open = true;
      void closed.then(() => {
        open = false;
      });
      while (open && sent < 64 * 1024 * 1024) {
        const more = socket.write(frame);
        sent += chunk.length;
        if (!more) await Promise.race([new Promise((r) => socket.once("drain", r)), closed]);
      }
      const { received } = await closed;
      expect(received).toMatch(/^HTTP\/1\.1 413/);
      expect(received.toLowerCase()).toContain("connection: close");
      // What was sent before the close: the limit plus what sat in socket buffers, far from 64 MB.
      expect(sent).toBeLessThan(MAX_BODY_BYTES * 8);
    } finally {
      await h.close();
    }
  });
});
