import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signDeals } from "../../src/deals/sources/index.js";
import { ACTION } from "../../src/slack/ids.js";
import { eventually, type Harness, startHarness } from "../support/app-harness.js";
import { postToApp } from "../support/fake-slack.js";
import { appHomeOpened, blockActions, TEAM_ID } from "../support/slack-payloads.js";

// Links only by their owner: `/coach link` takes effect at once only for the caller's own Slack profile
// e-mail; any other is a request a workspace admin approves or declines in App Home, with admin rights
// asked of Slack on every click. The real app against the fake Slack, whose users.info and
// users.lookupByEmail answer from setPerson().

const DEALS_SECRET = "deals-secret";
let h: Harness;

beforeAll(async () => {
  h = await startHarness("http", "info", {
    DEAL_WEBHOOK_SECRET: DEALS_SECRET,
    NUDGE_QUIET_HOURS: "off",
    NUDGE_WEEKENDS: "on",
    NUDGE_DAILY_CAP: "50",
    NUDGE_WEEKLY_CAP: "100",
  });
  for (const name of ["ANN", "BO", "CY", "DEE", "EVE", "FAY", "GUS", "MAL", "REP"])
    h.slack.setPerson(`U_${name}`, { email: `${name.toLowerCase()}@acme.test` });
  h.slack.setPerson("U_ADMIN", { email: "admin@acme.test", is_admin: true });
  h.slack.setPerson("U_OWNER", { email: "owner@acme.test", is_primary_owner: true });
  h.slack.setPerson("U_HAL", { email: "hal@acme.test", is_owner: true });
  h.slack.on("conversations.open", (args) => ({ ok: true, channel: { id: `D_${String(args.users)}` } }));
});
afterAll(async () => {
  await h?.close();
});

let eventSeq = 0;
async function dealFor(ownerEmail: string, name: string) {
  eventSeq++;
  const body = JSON.stringify({
    event_id: `link-${eventSeq}`,
    occurred_at: new Date().toISOString(),
    deal: { id: `D-LINK-${eventSeq}`, name, stage: "closing", owner_email: ownerEmail },
    previous: { stage: "proposal" },
  });
  const ts = Math.floor(Date.now() / 1000);
  const res = await postToApp(`${h.url}/webhooks/deals`, body, {
    contentType: "application/json",
    headers: {
      "x-deal-coach-timestamp": String(ts),
      "x-deal-coach-signature": signDeals(DEALS_SECRET, ts, body),
    },
  });
  expect(res.status).toBe(202);
}

const link = async (user: string, text: string) => (await h.commandReply({ text, user_id: user })).text ?? "";
const nudgesTo = (user: string) =>
  h.slack.callsTo("chat.postMessage").filter((c) => c.args.channel === `D_${user}`);
const mentions = (user: string, what: string) =>
  nudgesTo(user).some((c) => JSON.stringify(c.args.blocks).includes(what));
/** What the app said to a user by DM (approval outcomes, and answers to an admin's clicks). */
const dmsTo = (user: string) =>
  h.slack
    .callsTo("chat.postMessage")
    .filter((c) => c.args.channel === user)
    .map((c) => String(c.args.text));
const ownerOf = async (email: string) => (await h.store.deals.ownerLink(TEAM_ID, email))?.userId;
const requested = async (email: string, user: string) =>
  (await h.store.deals.links.requests(TEAM_ID, 100)).some((r) => r.email === email && r.userId === user);
const click = (actionId: string, user: string, email: string, requester: string) =>
  h.interact(
    blockActions({
      action_id: actionId,
      user,
      view: { id: "VHOME", type: "home" },
      value: JSON.stringify({ e: email, u: requester }),
    }),
  );
async function homeOf(user: string): Promise<string> {
  const from = h.slack.calls.length;
  await h.event(appHomeOpened({ user, tab: "home" }));
  const call = await h.slack.waitFor((c) => c.method === "views.publish" && c.args.user_id === user, {
    from,
    timeoutMs: 10_000,
  });
  return JSON.stringify(call.args.view);
}
const settle = () => new Promise((r) => setTimeout(r, 400));

describe("/coach link", () => {
  it("links at once the caller's own Slack profile e-mail", async () => {
    expect(await link("U_ANN", "link <mailto:Ann@Acme.test|Ann@Acme.test>")).toMatch(/^Linked\./);
    expect(await h.store.deals.ownerLink(TEAM_ID, "ann@acme.test")).toEqual({
      userId: "U_ANN",
      origin: "link",
    });
    expect(await link("U_ANN", "link ann@acme.test")).toMatch(/Already linked/);
  });

  it("makes another's e-mail a request: nothing is linked and their nudges never reach the requester", async () => {
    const reply = await link("U_MAL", "link bo@acme.test");
    expect(reply).toMatch(/Asked a workspace admin/);
    expect(reply).toMatch(/isn't the e-mail on your Slack profile/);
    expect(await ownerOf("bo@acme.test")).toBeUndefined();
    expect(await requested("bo@acme.test", "U_MAL")).toBe(true);
    expect(await link("U_MAL", "link bo@acme.test")).toMatch(/already waiting/);

    // Slack knows bo@ as U_BO: the nudge goes to Bo.
    await dealFor("bo@acme.test", "Initech expansion");
    await eventually(() => expect(mentions("U_BO", "Initech expansion")).toBe(true), 10_000);
    // An e-mail Slack knows for nobody: the nudge waits for an owner, and still not for the requester.
    await link("U_MAL", "link zed@elsewhere.test");
    await dealFor("zed@elsewhere.test", "Zed Corp pilot");
    await eventually(async () =>
      expect(
        (await h.store.deals.waitingForOwner(TEAM_ID)).some((n) => n.payload.dealName === "Zed Corp pilot"),
      ).toBe(true),
    );
    await settle();
    expect(mentions("U_MAL", "Initech expansion")).toBe(false);
    expect(mentions("U_MAL", "Zed Corp pilot")).toBe(false);
  });

  it("makes a request, kindly, when Slack won't show profile e-mails (no users:read.email)", async () => {
    // U_NOMAIL has no email in the fake, as users.info answers without the scope.
    const reply = await link("U_NOMAIL", "link nomail@acme.test");
    expect(reply).toMatch(/users:read\.email/);
    expect(reply).toMatch(/Asked a workspace admin/);
    expect(await ownerOf("nomail@acme.test")).toBeUndefined();
    expect(await requested("nomail@acme.test", "U_NOMAIL")).toBe(true);
  });

  it("never replaces someone else's confirmed link, by command or by approval", async () => {
    expect(await link("U_CY", "link cy@acme.test")).toMatch(/^Linked\./);
    expect(await link("U_MAL", "link cy@acme.test")).toMatch(/already linked to someone else/);
    expect(await requested("cy@acme.test", "U_MAL")).toBe(false);
    expect(await ownerOf("cy@acme.test")).toBe("U_CY");

    // Two people ask for one CRM e-mail; the admin approves one, and the other can't take it after.
    await link("U_FAY", "link fay.crm@elsewhere.test");
    await link("U_MAL", "link fay.crm@elsewhere.test");
    await click(ACTION.linkApprove, "U_ADMIN", "fay.crm@elsewhere.test", "U_FAY");
    await eventually(async () => expect(await ownerOf("fay.crm@elsewhere.test")).toBe("U_FAY"));
    await click(ACTION.linkApprove, "U_ADMIN", "fay.crm@elsewhere.test", "U_MAL");
    await eventually(() =>
      expect(
        dmsTo("U_MAL").some((t) => t.includes("fay.crm@elsewhere.test") && /couldn't be approved/.test(t)),
      ).toBe(true),
    );
    expect(await ownerOf("fay.crm@elsewhere.test")).toBe("U_FAY");
    expect(await requested("fay.crm@elsewhere.test", "U_MAL")).toBe(false);
  });
});

describe("approving link requests in App Home", () => {
  it("never approves an e-mail that Slack lists on someone else's profile", async () => {
    h.slack.setPerson("U_IVY", { email: "ivy@acme.test" });
    expect(await link("U_MAL", "link ivy@acme.test")).toMatch(/Asked a workspace admin/);
    await click(ACTION.linkApprove, "U_ADMIN", "ivy@acme.test", "U_MAL");
    await eventually(() =>
      expect(
        dmsTo("U_ADMIN").some((t) => t.includes("ivy@acme.test") && /another person's Slack profile/.test(t)),
      ).toBe(true),
    );
    expect(dmsTo("U_MAL").some((t) => t.includes("ivy@acme.test") && /couldn't be approved/.test(t))).toBe(
      true,
    );
    expect(await ownerOf("ivy@acme.test")).toBeUndefined();
    expect(await requested("ivy@acme.test", "U_MAL")).toBe(false);
    // Ivy's own link still works.
    expect(await link("U_IVY", "link ivy@acme.test")).toMatch(/^Linked\./);
  });

  it("shows admins the requests with Approve / Decline, and reps neither", async () => {
    await link("U_REP", "link rep.crm@elsewhere.test");
    const admin = await homeOf("U_ADMIN");
    expect(admin).toContain("rep.crm@elsewhere.test");
    expect(admin).toContain(ACTION.linkApprove);
    expect(admin).toContain(ACTION.linkDecline);
    const rep = await homeOf("U_REP");
    expect(rep).not.toContain("rep.crm@elsewhere.test");
    expect(rep).not.toContain(ACTION.linkApprove);
  });

  it("links on an admin's approval, tells both, and sends what was waiting", async () => {
    expect(await link("U_DEE", "link dee.crm@elsewhere.test")).toMatch(/Asked a workspace admin/);
    await dealFor("dee.crm@elsewhere.test", "Hooli renewal");
    await eventually(async () =>
      expect(
        (await h.store.deals.waitingForOwner(TEAM_ID)).some((n) => n.payload.dealName === "Hooli renewal"),
      ).toBe(true),
    );
    await click(ACTION.linkApprove, "U_ADMIN", "dee.crm@elsewhere.test", "U_DEE");
    await eventually(async () =>
      expect(await h.store.deals.ownerLink(TEAM_ID, "dee.crm@elsewhere.test")).toEqual({
        userId: "U_DEE",
        origin: "approved",
      }),
    );
    await eventually(() => expect(dmsTo("U_DEE").some((t) => /admin approved your link/.test(t))).toBe(true));
    await eventually(() => expect(dmsTo("U_ADMIN").some((t) => /^Approved/.test(t))).toBe(true));
    await eventually(() => expect(mentions("U_DEE", "Hooli renewal")).toBe(true), 10_000);
    expect(await requested("dee.crm@elsewhere.test", "U_DEE")).toBe(false);
  });

  it("keeps an approval, and tells the admin, when the rep can't be told", async () => {
    h.slack.setPerson("U_JO", { email: "jo@acme.test" });
    await link("U_JO", "link jo.crm@elsewhere.test");
    const undo = h.slack.on("chat.postMessage", (args) =>
      args.channel === "U_JO" ? { ok: false, error: "channel_not_found" } : undefined,
    );
    try {
      await click(ACTION.linkApprove, "U_ADMIN", "jo.crm@elsewhere.test", "U_JO");
      await eventually(() =>
        expect(dmsTo("U_ADMIN").some((t) => t.startsWith("Approved: deal updates owned by jo.crm@"))).toBe(
          true,
        ),
      );
      expect(await ownerOf("jo.crm@elsewhere.test")).toBe("U_JO");
    } finally {
      undo();
    }
  });

  it("declines: nothing linked, and the rep is told", async () => {
    await link("U_EVE", "link eve.crm@elsewhere.test");
    // A primary owner counts as an admin.
    await click(ACTION.linkDecline, "U_OWNER", "eve.crm@elsewhere.test", "U_EVE");
    await eventually(() => expect(dmsTo("U_EVE").some((t) => /declined your request/.test(t))).toBe(true));
    expect(await ownerOf("eve.crm@elsewhere.test")).toBeUndefined();
    expect(await requested("eve.crm@elsewhere.test", "U_EVE")).toBe(false);
  });

  it("refuses a non-admin's Approve, even on their own request", async () => {
    await link("U_MAL", "link mal.crm@elsewhere.test");
    await click(ACTION.linkApprove, "U_MAL", "mal.crm@elsewhere.test", "U_MAL");
    await eventually(() => expect(dmsTo("U_MAL").some((t) => /Only workspace admins/.test(t))).toBe(true));
    await settle();
    expect(await ownerOf("mal.crm@elsewhere.test")).toBeUndefined();
    expect(await requested("mal.crm@elsewhere.test", "U_MAL")).toBe(true);
  });

  it("asks Slack on every use: an admin demoted between two uses is refused", async () => {
    await link("U_REP", "link rep.one@elsewhere.test");
    await link("U_REP", "link rep.two@elsewhere.test");
    await click(ACTION.linkApprove, "U_HAL", "rep.one@elsewhere.test", "U_REP");
    await eventually(async () => expect(await ownerOf("rep.one@elsewhere.test")).toBe("U_REP"));
    expect(await link("U_HAL", "weekly default fri 15:00")).toMatch(/workspace default is now/);

    h.slack.setPerson("U_HAL", { is_owner: false });
    const refusedBefore = dmsTo("U_HAL").filter((t) => /Only workspace admins/.test(t)).length;
    await click(ACTION.linkApprove, "U_HAL", "rep.two@elsewhere.test", "U_REP");
    await eventually(() =>
      expect(dmsTo("U_HAL").filter((t) => /Only workspace admins/.test(t)).length).toBe(refusedBefore + 1),
    );
    await settle();
    expect(await ownerOf("rep.two@elsewhere.test")).toBeUndefined();
    expect(await requested("rep.two@elsewhere.test", "U_REP")).toBe(true);
    expect(await link("U_HAL", "weekly default mon 09:00")).toMatch(/Only workspace admins/);
    expect(await homeOf("U_HAL")).not.toContain(ACTION.linkApprove);
  });
});

describe("/coach unlink", () => {
  it("removes the caller's links; later deal updates for the e-mail wait instead of reaching them", async () => {
    expect(await link("U_GUS", "link gus@acme.test")).toMatch(/^Linked\./);
    await link("U_GUS", "link gus.crm@elsewhere.test");
    const reply = await link("U_GUS", "unlink");
    expect(reply).toMatch(/Unlinked gus@acme\.test/);
    expect(reply).toMatch(/Withdrew 1 request/);
    expect(await ownerOf("gus@acme.test")).toBeUndefined();
    expect(await requested("gus.crm@elsewhere.test", "U_GUS")).toBe(false);

    // Slack still knows gus@ as U_GUS, but an unlinked e-mail is not linked again by lookup.
    await dealFor("gus@acme.test", "Umbrella upsell");
    await eventually(async () =>
      expect(
        (await h.store.deals.waitingForOwner(TEAM_ID)).some((n) => n.payload.dealName === "Umbrella upsell"),
      ).toBe(true),
    );
    await settle();
    expect(mentions("U_GUS", "Umbrella upsell")).toBe(false);
    expect(await ownerOf("gus@acme.test")).toBeUndefined();

    expect(await link("U_GUS", "unlink")).toMatch(/nothing to unlink/);
    // Linking again is their choice, and what waited follows.
    expect(await link("U_GUS", "link gus@acme.test")).toMatch(/1 waiting nudge will follow/);
    await eventually(() => expect(mentions("U_GUS", "Umbrella upsell")).toBe(true), 10_000);
  });
});
