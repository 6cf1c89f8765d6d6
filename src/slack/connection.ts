// Whether the Socket Mode connection is up, for /healthz (README "Health: /healthz"). A connection that
// drops is normal (Slack recycles them every few hours and the client reconnects in seconds), so it counts
// as down only once it has stayed down longer than a grace period.

/** The part of a SocketModeClient (an event emitter) that is watched. */
export interface ConnectionEvents {
  on(event: string, listener: () => void): unknown;
}

export type ConnectionState = "connecting" | "connected" | "reconnecting";

export interface ConnectionReport {
  state: ConnectionState;
  /** true while healthy: connected, or reconnecting for no longer than the grace period. */
  healthy: boolean;
  /** Milliseconds since the connection was lost (while it is). */
  downForMs?: number;
}

/** 30 s: several of the client's reconnect attempts, well under an orchestrator's patience. */
export const DEFAULT_DOWN_GRACE_MS = 30_000;

export class SocketConnection {
  private state: ConnectionState = "connecting";
  private downSince?: number;

  constructor(
    private readonly graceMs = DEFAULT_DOWN_GRACE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Follows a SocketModeClient: "connected" once Slack said hello; a closed socket, "reconnecting" or
   * "disconnected" start the clock (the first of them; later ones don't reset it).
   */
  watch(client: ConnectionEvents): void {
    client.on("connected", () => this.up());
    for (const event of ["close", "reconnecting", "disconnected"]) client.on(event, () => this.down());
  }

  up(): void {
    this.state = "connected";
    this.downSince = undefined;
  }

  down(): void {
    // Never connected yet: still "connecting", and unhealthy anyway.
    if (this.state === "connecting") return;
    this.state = "reconnecting";
    this.downSince ??= this.now();
  }

  report(): ConnectionReport {
    if (this.state === "connected") return { state: "connected", healthy: true };
    if (this.downSince === undefined) return { state: this.state, healthy: false };
    const downForMs = this.now() - this.downSince;
    return { state: this.state, healthy: downForMs <= this.graceMs, downForMs };
  }
}
