import { describe, expect, it } from "vitest";
import { PassTally } from "../../src/reflection/pass.js";
import type { WeeklySend } from "../../src/store/weekly-types.js";

// The weekly pass's counts come from its lanes' reports alone (src/reflection/pass.ts): each send counted
// once whatever happened to it, and sends given back to another sender left to that sender's count.

const send = (userId: string, teamId = "T1"): WeeklySend => ({
  teamId,
  userId,
  week: "2026-W48",
  status: "pending",
  kind: "prompt",
  promptId: null,
  dueAt: new Date("2026-11-27T15:00:00Z"),
  attempts: 1,
  channel: null,
  ts: null,
  sentAt: null,
  answeredAt: null,
});

describe("PassTally", () => {
  it("counts a send retried and leased again within a run once, by its final outcome", () => {
    const tally = new PassTally();
    const a = send("UA");
    tally.add({
      leased: [a, send("UB"), a],
      settled: [
        { send: a, outcome: "retry" },
        { send: send("UB"), outcome: "skipped" },
        { send: a, outcome: "sent" },
      ],
      givenBack: [],
    });
    expect(tally.result).toEqual({ due: 2, sent: 1, skipped: 1, failed: 0 });
  });

  it("a send found sent twice (its 'sent' lost, then found in the DM) is one prompt", () => {
    const tally = new PassTally();
    tally.add({ leased: [send("UA")], settled: [{ send: send("UA"), outcome: "sent" }], givenBack: [] });
    tally.add({ leased: [send("UA")], settled: [{ send: send("UA"), outcome: "sent" }], givenBack: [] });
    expect(tally.result).toEqual({ due: 1, sent: 1, skipped: 0, failed: 0 });
  });

  it("leaves sends given back unposted to the sender that takes them; a later run's lease counts again", () => {
    const tally = new PassTally();
    tally.add({
      leased: [send("UA"), send("UB"), send("UC")],
      settled: [{ send: send("UA"), outcome: "failed" }],
      givenBack: [send("UB"), send("UC")],
    });
    expect(tally.result).toEqual({ due: 1, sent: 0, skipped: 0, failed: 1 });
    // The other sender's hold lapsed (it died): this pass's next run of the lane leases UB again.
    tally.add({ leased: [send("UB")], settled: [{ send: send("UB"), outcome: "sent" }], givenBack: [] });
    expect(tally.result).toEqual({ due: 2, sent: 1, skipped: 0, failed: 1 });
  });

  it("keeps a counted send due even if a later run gives it back, and tells workspaces apart", () => {
    const tally = new PassTally();
    tally.add({ leased: [send("UA")], settled: [{ send: send("UA"), outcome: "sent" }], givenBack: [] });
    tally.add({ leased: [send("UA")], settled: [], givenBack: [send("UA")] });
    tally.add({ leased: [send("UA", "T2")], settled: [], givenBack: [] });
    expect(tally.result).toEqual({ due: 2, sent: 1, skipped: 0, failed: 0 });
  });
});
