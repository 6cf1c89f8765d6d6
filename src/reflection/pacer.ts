// Per-workspace pacing for bulk DMs (WEEKLY_RATE_PER_SEC, as Slack asks of bulk senders). Each workspace
// has its own lane: a 429 pauses that lane for Retry-After seconds and no other.

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Pacer {
  private next = 0;

  constructor(private readonly perSecond: number) {}

  /** Waits for this lane's next slot. */
  async slot(): Promise<void> {
    const interval = 1000 / Math.max(0.001, this.perSecond);
    const now = Date.now();
    const at = Math.max(now, this.next);
    this.next = at + interval;
    if (at > now) await sleep(at - now);
  }

  /** Slack said 429: nothing more on this lane until Retry-After has passed. */
  pause(seconds: number): Promise<void> {
    const until = Date.now() + seconds * 1000;
    this.next = Math.max(this.next, until);
    return sleep(Math.max(0, until - Date.now()));
  }
}

/** The WebClient's rate-limit error (rejectRateLimitedCalls) or an ok:false ratelimited answer. */
export function retryAfterOf(err: unknown): number | undefined {
  const e = err as { code?: string; retryAfter?: number; data?: { error?: string } };
  if (e?.code === "slack_webapi_rate_limited_error") return e.retryAfter ?? 1;
  if (e?.data?.error === "ratelimited") return 1;
  return undefined;
}
