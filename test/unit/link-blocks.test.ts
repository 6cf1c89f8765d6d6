import { describe, expect, it } from "vitest";
import { homeView, MAX_LINK_REQUESTS } from "../../src/slack/blocks/home.js";
import { linkRequestValue } from "../../src/slack/button-values.js";
import { ACTION } from "../../src/slack/ids.js";
import { DEFAULT_SETTINGS } from "../../src/store/types.js";

// The admin's link requests in App Home: each with Approve / Decline carrying the request it decides.

type AnyBlock = { type: string; block_id?: string; text?: { text: string }; elements?: AnyBlock[] } & Record<
  string,
  unknown
>;

function adminHome(requests: Array<{ email: string; userId: string }>) {
  return homeView({
    settings: DEFAULT_SETTINGS,
    reflections: Array.from({ length: 10 }, (_, i) => ({
      id: String(i),
      teamId: "T",
      userId: "U",
      questionId: null,
      questionText: "Q?",
      answer: "A",
      createdAt: new Date("2026-11-20T10:00:00Z"),
    })),
    stats: { asked: 1, answered: 10 },
    tz: null,
    admin: { waiting: [], channels: [], envChannels: [], linkRequests: requests },
  });
}

describe("link requests in the admin's Home", () => {
  it("shows each request with Approve and Decline that carry its e-mail and requester", () => {
    const view = adminHome([
      { email: "a&b@acme.test", userId: "U1" },
      { email: "c@acme.test", userId: "U2" },
    ]);
    const blocks = view.blocks as AnyBlock[];
    const text = blocks.map((b) => b.text?.text ?? "").join("\n");
    expect(text).toContain("<@U1> asks to link *a&amp;b@acme.test*");
    const buttons = blocks.filter((b) => b.type === "actions").flatMap((b) => b.elements ?? []);
    const decisions = buttons
      .filter((e) => e.action_id === ACTION.linkApprove || e.action_id === ACTION.linkDecline)
      .map((e) => [e.action_id, linkRequestValue.decode(String(e.value))]);
    expect(decisions).toEqual([
      [ACTION.linkApprove, { email: "a&b@acme.test", userId: "U1" }],
      [ACTION.linkDecline, { email: "a&b@acme.test", userId: "U1" }],
      [ACTION.linkApprove, { email: "c@acme.test", userId: "U2" }],
      [ACTION.linkDecline, { email: "c@acme.test", userId: "U2" }],
    ]);
  });

  it("shows at most MAX_LINK_REQUESTS, with unique block ids, and Home stays within 100 blocks", () => {
    const long = `${"x".repeat(240)}@acme.test`;
    const view = adminHome(Array.from({ length: 40 }, (_, i) => ({ email: `${i}${long}`, userId: `U${i}` })));
    const blocks = view.blocks as AnyBlock[];
    const rows = blocks.filter((b) => b.block_id?.startsWith("link_request_"));
    expect(rows).toHaveLength(MAX_LINK_REQUESTS);
    expect(new Set(rows.map((b) => b.block_id)).size).toBe(MAX_LINK_REQUESTS);
    expect(blocks.length).toBeLessThanOrEqual(100);
    for (const e of rows.flatMap((b) => b.elements ?? []))
      expect(String(e.value).length).toBeLessThanOrEqual(2000);
    // The footer, last, survived the cap.
    expect(JSON.stringify(blocks.at(-1))).toContain("/coach forget");
  });

  it("shows nothing about requests to an admin when none wait, and nothing to a rep", () => {
    expect(JSON.stringify(adminHome([]))).not.toContain(ACTION.linkApprove);
    const rep = homeView({
      settings: DEFAULT_SETTINGS,
      reflections: [],
      stats: { asked: 0, answered: 0 },
      tz: null,
    });
    expect(JSON.stringify(rep)).not.toContain("Link requests");
  });
});
