import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { SocketConnection } from "../../src/slack/connection.js";

describe("Socket Mode connection health", () => {
  it("is unhealthy until the first hello, healthy while connected, and down only after the grace period", () => {
    let now = 1_000;
    const connection = new SocketConnection(30_000, () => now);
    const client = new EventEmitter();
    connection.watch(client);
    // Before the first connection (and a failed first attempt doesn't start a grace period).
    expect(connection.report()).toEqual({ state: "connecting", healthy: false });
    client.emit("close");
    expect(connection.report()).toEqual({ state: "connecting", healthy: false });
    client.emit("connected");
    expect(connection.report()).toEqual({ state: "connected", healthy: true });
    // Dropped: still healthy for 30 s; the later "reconnecting" doesn't restart the clock.
    client.emit("close");
    now += 20_000;
    client.emit("reconnecting");
    now += 10_000;
    expect(connection.report()).toEqual({ state: "reconnecting", healthy: true, downForMs: 30_000 });
    now += 1;
    expect(connection.report()).toEqual({ state: "reconnecting", healthy: false, downForMs: 30_001 });
    client.emit("connected");
    expect(connection.report()).toEqual({ state: "connected", healthy: true });
    // A new drop starts a new clock.
    client.emit("disconnected");
    now += 5_000;
    expect(connection.report()).toMatchObject({ healthy: true, downForMs: 5_000 });
  });
});
