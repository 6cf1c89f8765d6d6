import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Trigger } from "../../src/deals/types.js";
import type { Store } from "../../src/store/types.js";
import { storeKind, testStore } from "../support/store.js";

// Who may link a CRM e-mail (migrations/006_link_requests.sql): claims, requests, approvals, unlinks.

const clock = new Date("2026-11-20T10:00:00Z");
const trigger = (key: string): Trigger => ({
  kind: "stage_change",
  themes: ["decision_process"],
  key,
  summary: "moved",
});

let store: Store;
beforeEach(async () => {
  store = await testStore({ now: () => clock });
});
afterEach(async () => {
  await store.close();
});

async function nudge(dealId: string, userId: string | null, ownerEmail: string) {
  await store.deals.addNudge({
    teamId: "T1",
    userId,
    ownerEmail,
    source: "deals",
    dealId,
    payload: { trigger: trigger("t"), dealName: `Deal ${dealId}`, situation: "moved" },
    dueAt: clock,
  });
}

describe(`owner links (${storeKind})`, () => {
  it("claims a new e-mail, takes over a cached lookup, and never replaces another user's confirmed link", async () => {
    const { deals } = store;
    expect(await deals.links.claim("T1", "Ann@Acme.test", "U_ANN", "link")).toBe("linked");
    expect(await deals.ownerLink("T1", "ann@acme.test")).toEqual({ userId: "U_ANN", origin: "link" });
    expect(await deals.links.claim("T1", "ann@acme.test", "U_ANN", "link")).toBe("already");
    // Neither a self-claim nor an approval by someone else moves it.
    expect(await deals.links.claim("T1", "ann@acme.test", "U_MAL", "link")).toBe("taken");
    expect(await deals.links.claim("T1", "ann@acme.test", "U_MAL", "approved")).toBe("taken");
    expect(await deals.ownerLink("T1", "ann@acme.test")).toEqual({ userId: "U_ANN", origin: "link" });

    // A cached lookup (Slack said the e-mail is on U_OLD's profile) gives way to the e-mail on the
    // claimant's own profile, which is newer news, but never to an admin's approval.
    await deals.saveOwnerLink("T1", "bo@acme.test", "U_OLD", "lookup");
    expect(await deals.links.claim("T1", "bo@acme.test", "U_BO", "approved")).toBe("taken");
    expect(await deals.ownerLink("T1", "bo@acme.test")).toEqual({ userId: "U_OLD", origin: "lookup" });
    expect(await deals.links.claim("T1", "bo@acme.test", "U_BO", "link")).toBe("linked");
    expect(await deals.ownerLink("T1", "bo@acme.test")).toEqual({ userId: "U_BO", origin: "link" });
    await deals.saveOwnerLink("T1", "bo.crm@acme.test", "U_BO", "lookup");
    expect(await deals.links.claim("T1", "bo.crm@acme.test", "U_BO", "approved")).toBe("linked");
    // The same e-mail in another workspace is another link.
    expect(await deals.links.claim("T2", "ann@acme.test", "U_MAL", "link")).toBe("linked");
  });

  it("lets exactly one of two simultaneous claims win", async () => {
    const results = await Promise.all(
      ["U1", "U2", "U3", "U4"].map((u) => store.deals.links.claim("T1", "cy@acme.test", u, "link")),
    );
    expect(results.filter((r) => r === "linked")).toHaveLength(1);
    expect(results.filter((r) => r === "taken")).toHaveLength(3);
    const winner = ["U1", "U2", "U3", "U4"][results.indexOf("linked")];
    expect((await store.deals.ownerLink("T1", "cy@acme.test"))?.userId).toBe(winner);
  });

  it("keeps requests until approved or declined, once each, and approval never replaces a confirmed link", async () => {
    const { links } = store.deals;
    expect(await links.request("T1", "Dee@Acme.test", "U_DEE")).toBe(true);
    expect(await links.request("T1", "dee@acme.test", "U_DEE")).toBe(false);
    expect(await links.request("T1", "dee@acme.test", "U_MAL")).toBe(true);
    expect(await links.request("T1", "eve@acme.test", "U_EVE")).toBe(true);
    expect((await links.requests("T1", 10)).map((r) => [r.email, r.userId])).toEqual([
      ["dee@acme.test", "U_DEE"],
      ["dee@acme.test", "U_MAL"],
      ["eve@acme.test", "U_EVE"],
    ]);
    expect(await store.deals.ownerLink("T1", "dee@acme.test")).toBeUndefined();

    expect(await links.approve("T1", "dee@acme.test", "U_DEE")).toBe("linked");
    expect(await store.deals.ownerLink("T1", "dee@acme.test")).toEqual({
      userId: "U_DEE",
      origin: "approved",
    });
    expect(await links.approve("T1", "dee@acme.test", "U_DEE")).toBe("missing");
    // The other request for the same e-mail can't take it: it is declined on approval.
    expect(await links.approve("T1", "dee@acme.test", "U_MAL")).toBe("taken");
    expect(await store.deals.ownerLink("T1", "dee@acme.test")).toEqual({
      userId: "U_DEE",
      origin: "approved",
    });

    expect(await links.decline("T1", "eve@acme.test", "U_EVE")).toBe(true);
    expect(await links.decline("T1", "eve@acme.test", "U_EVE")).toBe(false);
    expect(await store.deals.ownerLink("T1", "eve@acme.test")).toBeUndefined();
    expect(await links.requests("T1", 10)).toEqual([]);
  });

  it("unlinks every link of a user: unsent nudges wait for an owner again, requests go, and the e-mails are remembered", async () => {
    const { deals } = store;
    await deals.links.claim("T1", "ann@acme.test", "U_ANN", "link");
    await deals.saveOwnerLink("T1", "ann.old@acme.test", "U_ANN", "lookup");
    await deals.saveOwnerLink("T1", "bo@acme.test", "U_BO", "lookup");
    await deals.links.request("T1", "ann.crm@acme.test", "U_ANN");
    await nudge("A1", "U_ANN", "ann@acme.test");
    await nudge("A2", "U_ANN", "ann.old@acme.test");
    await nudge("B1", "U_BO", "bo@acme.test");
    // Already sent: history, left as it is.
    await nudge("A3", "U_ANN", "ann@acme.test");
    for (const n of await deals.claimDueNudges(10, 60_000)) {
      if (n.dealId === "A3") await deals.finishNudge(n.id, "sent");
      else await deals.deferNudge(n.id, clock, "test");
    }

    const gone = await deals.links.unlink("T1", "U_ANN");
    expect(gone).toEqual({ emails: ["ann.old@acme.test", "ann@acme.test"], requests: 1, nudges: 2 });
    expect(await deals.ownerLink("T1", "ann@acme.test")).toBeUndefined();
    expect(await deals.ownerLink("T1", "ann.old@acme.test")).toBeUndefined();
    expect(await deals.ownerLink("T1", "bo@acme.test")).toEqual({ userId: "U_BO", origin: "lookup" });
    expect(await deals.links.requests("T1", 10)).toEqual([]);
    const waiting = await deals.waitingForOwner("T1");
    expect(waiting.map((n) => [n.dealId, n.userId]).sort()).toEqual([
      ["A1", null],
      ["A2", null],
    ]);
    expect(await deals.countSent("T1", "U_ANN", new Date(0))).toBe(1);
    expect(await deals.links.isUnlinked("T1", "ANN@acme.test", "U_ANN")).toBe(true);
    expect(await deals.links.isUnlinked("T1", "ann@acme.test", "U_BO")).toBe(false);

    // Linking again is their own choice, and clears the memory of the unlink.
    expect(await deals.links.claim("T1", "ann@acme.test", "U_ANN", "link")).toBe("linked");
    expect(await deals.links.isUnlinked("T1", "ann@acme.test", "U_ANN")).toBe(false);
    expect(await deals.links.unlink("T1", "U_NOBODY")).toEqual({ emails: [], requests: 0, nudges: 0 });
  });

  it("forgets a user's requests and unlinks with the rest of their data", async () => {
    const { deals } = store;
    await deals.links.request("T1", "ann.crm@acme.test", "U_ANN");
    await deals.links.claim("T1", "ann@acme.test", "U_ANN", "link");
    await deals.links.unlink("T1", "U_ANN");
    await deals.links.request("T1", "ann.crm@acme.test", "U_ANN");
    await store.forgetUser({ teamId: "T1", userId: "U_ANN" });
    expect(await deals.links.requests("T1", 10)).toEqual([]);
    expect(await deals.links.isUnlinked("T1", "ann@acme.test", "U_ANN")).toBe(false);
  });
});
