import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SORRY } from "../../src/slack/blocks/messages.js";
import { type Harness, startHarness } from "../support/app-harness.js";
import { messageIm, nextTs } from "../support/slack-payloads.js";

// A 429 on the request path, through the real Bolt app: Bolt's Web API client comes from the same
// webClientOptions() as every other client, so a rate-limited call is rejected at once rather than
// waited out (Retry-After here is a minute). The listener's failure path answers kindly, in seconds, and
// the work-queue slot is free again (docs/architecture.md, "One rate-limit setting").

const RETRY_AFTER_S = 60;
/** Far below Retry-After: the answer comes from the failure path, not after the wait. */
const ANSWER_WITHIN_MS = 10_000;

describe("a rate-limited Web API call while answering a request", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it("/coach alone: views.open answered 429 is not retried; the rep is told kindly at the response_url", async () => {
    h.slack.on("views.open", () => ({ status: 429, retryAfter: RETRY_AFTER_S }));
    const started = performance.now();
    const reply = await h.commandReply({ text: "", user_id: "URATE" });
    expect(performance.now() - started).toBeLessThan(ANSWER_WITHIN_MS);
    expect(reply).toMatchObject({ text: SORRY.text, response_type: "ephemeral" });
    expect(h.slack.callsTo("views.open").map((c) => c.status)).toEqual([429]);
    const failed = h.logs.filter((l) => l.msg === "listener failed");
    expect(failed).toHaveLength(1);
    expect(JSON.stringify(failed[0])).toContain("slack_webapi_rate_limited_error");
    h.slack.off("views.open");
  });

  it("a DM: chat.postMessage answered 429 is tried once, and so is the apology in its place; both logged with constant messages", async () => {
    const before = h.logs.length;
    h.slack.on("chat.postMessage", () => ({ status: 429, retryAfter: RETRY_AFTER_S }));
    const started = performance.now();
    const ts = nextTs();
    const res = await h.event(messageIm({ user: "URATE2", text: "the buyer went quiet", ts }));
    expect(res.status).toBe(200);
    // Both the answer and the apology in its place are rate limited: each is tried once, then logged.
    await expectEventually(() =>
      h.logs.slice(before).some((l) => l.msg === "could not tell the user about a failure"),
    );
    expect(performance.now() - started).toBeLessThan(ANSWER_WITHIN_MS);
    const posts = h.slack.callsTo("chat.postMessage");
    expect(posts.map((c) => c.status)).toEqual([429, 429]);
    expect(posts.map((c) => c.args.text)).toEqual([expect.stringContaining("?"), SORRY.text]);
    expect(h.logs.slice(before).filter((l) => l.msg === "listener failed")).toHaveLength(1);
    h.slack.off("chat.postMessage");
  });
});

async function expectEventually(check: () => boolean, timeoutMs = ANSWER_WITHIN_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
