import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signDeals } from "../../src/deals/sources/index.js";
import { ACTION, NUDGE_ACTION, VIEW } from "../../src/slack/ids.js";
import { eventually, type Harness, startHarness } from "../support/app-harness.js";
import { postToApp } from "../support/fake-slack.js";
import { appHomeOpened, blockActions, TEAM_ID, viewSubmission } from "../support/slack-payloads.js";

// Nudges are chosen, end to end: signed CRM deliveries -> the app -> the fake Slack, and the rep's clicks
// as signed Bolt requests. A new rep gets the invitation only; Keep them coming lets the waiting nudges
// follow; No thanks stops them; an admin's default-on (checked with users.info on every use) sends the
// first nudge with a notice and Stop; App Home shows and changes the choice.

const SECRET = "choice-secret";
let h: Harness;
let admins = new Set<string>(["U_BOSS"]);
let seq = 0;

beforeAll(async () => {
  h = await startHarness("http", "info", {
    DEAL_WEBHOOK_SECRET: SECRET,
    NUDGE_QUIET_HOURS: "off",
    NUDGE_WEEKENDS: "on",
    NUDGE_DAILY_CAP: "50",
    NUDGE_WEEKLY_CAP: "100",
  });
  h.slack.on("users.lookupByEmail", (args) => ({
    ok: true,
    user: { id: `U_${String(args.email).split("@")[0]?.toUpperCase()}`, is_bot: false, deleted: false },
  }));
  h.slack.on("conversations.open", (args) => ({ ok: true, channel: { id: `D_${String(args.users)}` } }));
  h.slack.on("users.info", (args) => ({
    ok: true,
    user: { id: args.user, tz: "Europe/London", is_admin: admins.has(String(args.user)) },
  }));
});
afterAll(async () => {
  await h?.close();
});

/** A signed delivery: a deal of `owner` moved to negotiation (one nudge). */
async function dealMoved(owner: string, name: string) {
  const i = ++seq;
  const body = JSON.stringify({
    event_id: `choice-${i}`,
    occurred_at: new Date().toISOString(),
    deal: { id: `CH-${i}`, name, stage: "negotiation", owner_email: `${owner}@acme.test` },
    previous: { stage: "proposal" },
  });
  const ts = Math.floor(Date.now() / 1000);
  const res = await postToApp(`${h.url}/webhooks/deals`, body, {
    contentType: "application/json",
    headers: { "x-deal-coach-timestamp": String(ts), "x-deal-coach-signature": signDeals(SECRET, ts, body) },
  });
  expect(res.status).toBe(202);
}

const dm = (user: string) =>
  h.slack.callsTo("chat.postMessage").filter((c) => c.args.channel === `D_${user}`);
const blocksOf = (c: { args: Record<string, unknown> } | undefined) => JSON.stringify(c?.args.blocks ?? []);
const settle = () => new Promise((r) => setTimeout(r, 600));

async function home(user: string): Promise<string> {
  const from = h.slack.calls.length;
  await h.event(appHomeOpened({ user, tab: "home" }));
  const view = await h.slack.waitFor((c) => c.method === "views.publish" && c.args.user_id === user, {
    from,
  });
  return JSON.stringify(view.args.view);
}

const click = (user: string, actionId: string, value = "on") =>
  h.actionReply(blockActions({ action_id: actionId, value, user, channel: `D_${user}` }));

describe("a rep who has not chosen", () => {
  it("gets the invitation only, then the waiting nudges after Keep them coming", async () => {
    await dealMoved("keen", "Initech renewal");
    await eventually(() => expect(dm("U_KEEN")).toHaveLength(1));
    const invitation = dm("U_KEEN")[0];
    expect(blocksOf(invitation)).toContain("nudge_invitation");
    expect(blocksOf(invitation)).toContain(NUDGE_ACTION.keep);
    expect(blocksOf(invitation)).toContain(NUDGE_ACTION.decline);
    expect(blocksOf(invitation)).toContain("Keep them coming");
    expect(blocksOf(invitation)).toContain("private questions about your own deals");
    expect(blocksOf(invitation)).not.toContain(NUDGE_ACTION.snooze);
    await dealMoved("keen", "Hooli expansion");
    await settle();
    expect(dm("U_KEEN")).toHaveLength(1);
    const before = await home("U_KEEN");
    expect(before).toContain("haven't chosen yet");
    expect(before).toContain(ACTION.homeNudgesDecline);

    const reply = await click("U_KEEN", NUDGE_ACTION.keep);
    expect(reply.replace_original).toBe(true);
    expect(reply.text).toMatch(/Deal nudges are on/);
    expect(reply.text).toMatch(/2 that were waiting/);
    await eventually(() => expect(dm("U_KEEN")).toHaveLength(3));
    const nudges = dm("U_KEEN").slice(1).map(blocksOf);
    expect(nudges.every((b) => b.includes(NUDGE_ACTION.snooze))).toBe(true);
    expect(nudges.some((b) => b.includes("Initech renewal"))).toBe(true);
    expect(nudges.some((b) => b.includes("Hooli expansion"))).toBe(true);
    expect(await home("U_KEEN")).toContain("*Deal nudges:* on.");
    // And from now on, straight away.
    await dealMoved("keen", "Globex pilot");
    await eventually(() => expect(dm("U_KEEN")).toHaveLength(4));
  });

  it("No thanks: nothing more, ever; App Home shows it and turns them back on", async () => {
    await dealMoved("busy", "Umbrella");
    await eventually(() => expect(dm("U_BUSY")).toHaveLength(1));
    const reply = await click("U_BUSY", NUDGE_ACTION.decline, "off");
    expect(reply.text).toMatch(/No deal nudges/);
    await dealMoved("busy", "Vandelay");
    await dealMoved("busy", "Stark");
    await settle();
    expect(dm("U_BUSY")).toHaveLength(1);
    const off = await home("U_BUSY");
    expect(off).toContain("*Deal nudges:* off.");
    // Turn on from Home: held nudges are gone (declined), new ones come.
    await h.interact(
      blockActions({
        action_id: ACTION.homeNudgesToggle,
        value: "on",
        user: "U_BUSY",
        view: { id: "VHOME", type: "home" },
        message: null,
      }),
    );
    await eventually(async () =>
      expect((await h.store.getUser({ teamId: TEAM_ID, userId: "U_BUSY" }))?.settings.nudges).toBe(true),
    );
    await settle();
    expect(dm("U_BUSY")).toHaveLength(1);
    await dealMoved("busy", "Wayne");
    await eventually(() => expect(dm("U_BUSY")).toHaveLength(2));
    expect(blocksOf(dm("U_BUSY")[1])).toContain("Wayne");
  });

  it("No thanks from App Home before any invitation: none comes", async () => {
    await h.interact(
      blockActions({
        action_id: ACTION.homeNudgesDecline,
        value: "off",
        user: "U_QUIET",
        view: { id: "VHOME", type: "home" },
        message: null,
      }),
    );
    await eventually(async () =>
      expect((await h.store.getUser({ teamId: TEAM_ID, userId: "U_QUIET" }))?.settings.nudges).toBe(false),
    );
    await dealMoved("quiet", "Soylent");
    await settle();
    expect(dm("U_QUIET")).toHaveLength(0);
  });
});

describe("nudges on by default (admins)", () => {
  it("is admin-only, checked with Slack on each use; the first nudge says so and Stop works", async () => {
    const refused = await h.commandReply({ text: "nudges default on", user_id: "U_REP" });
    expect(refused.text).toMatch(/Only workspace admins/);
    expect(await h.store.deals.nudgesDefaultOn(TEAM_ID)).toBe(false);
    const done = await h.commandReply({ text: "nudges default on", user_id: "U_BOSS" });
    expect(done.text).toMatch(/on by default/);
    expect(await h.store.deals.nudgesDefaultOn(TEAM_ID)).toBe(true);

    expect(await home("U_EAGER")).toContain("as your workspace's default");
    await dealMoved("eager", "Acme rollout");
    await eventually(() => expect(dm("U_EAGER")).toHaveLength(1));
    const first = blocksOf(dm("U_EAGER")[0]);
    expect(first).toContain("turned deal nudges on for everyone");
    expect(first).toContain(NUDGE_ACTION.stop);
    expect(first).toContain("Acme rollout");
    await dealMoved("eager", "Acme phase 2");
    await eventually(() => expect(dm("U_EAGER")).toHaveLength(2));
    expect(blocksOf(dm("U_EAGER")[1])).not.toContain(NUDGE_ACTION.stop);

    const stopped = await click("U_EAGER", NUDGE_ACTION.stop, "off");
    expect(stopped.text).toMatch(/No deal nudges/);
    expect(stopped.replace_original).toBe(false);
    await dealMoved("eager", "Acme phase 3");
    await settle();
    expect(dm("U_EAGER")).toHaveLength(2);

    // Rights are asked of Slack each time: a former admin can no longer change it.
    admins = new Set();
    const former = await h.commandReply({ text: "nudges default off", user_id: "U_BOSS" });
    expect(former.text).toMatch(/Only workspace admins/);
    expect(await h.store.deals.nudgesDefaultOn(TEAM_ID)).toBe(true);
    admins = new Set(["U_BOSS"]);
    await h.commandReply({ text: "nudges default off", user_id: "U_BOSS" });
    expect(await h.store.deals.nudgesDefaultOn(TEAM_ID)).toBe(false);
  });

  it("/coach nudges on|off is the rep's own choice", async () => {
    const on = await h.commandReply({ text: "nudges on", user_id: "U_SELF" });
    expect(on.text).toMatch(/Deal nudges are on/);
    await dealMoved("self", "Cyberdyne");
    await eventually(() => expect(dm("U_SELF")).toHaveLength(1));
    expect(blocksOf(dm("U_SELF")[0])).toContain(NUDGE_ACTION.snooze);
    const off = await h.commandReply({ text: "nudges off", user_id: "U_SELF" });
    expect(off.text).toMatch(/No deal nudges/);
    const what = await h.commandReply({ text: "nudges maybe", user_id: "U_SELF" });
    expect(what.text).toMatch(/Try `\/coach nudges on`/);
  });

  it("saving /coach settings without touching nudges does not choose them for the rep", async () => {
    const from = h.slack.calls.length;
    await h.command({ text: "settings", user_id: "U_FORM" });
    const modal = JSON.stringify(
      (await h.slack.waitFor((c) => c.method === "views.open", { from })).args.view,
    );
    expect(modal).toContain("Not chosen yet");
    const sel = (value: string) => ({ type: "static_select", selected_option: { value } });
    const values = (nudges: string) => ({
      settings_weekly: { weekly: sel("off") },
      settings_weekly_day: { day: sel("5") },
      settings_weekly_time: { time: sel("15:00") },
      settings_nudges: { nudges: sel(nudges) },
      settings_quiet_hours: { quiet_hours: sel("default") },
    });
    const res = await h.interact(
      viewSubmission({ callback_id: VIEW.settings, user: "U_FORM", values: values("unset") }),
    );
    expect(res.status).toBe(200);
    expect((await h.store.getUser({ teamId: TEAM_ID, userId: "U_FORM" }))?.settings.nudges).toBeNull();
    await dealMoved("form", "Massive Dynamic");
    await eventually(() => expect(dm("U_FORM")).toHaveLength(1));
    expect(blocksOf(dm("U_FORM")[0])).toContain("nudge_invitation");
    // Choosing "on" in the form is a choice: the held nudge follows.
    await h.interact(viewSubmission({ callback_id: VIEW.settings, user: "U_FORM", values: values("on") }));
    await eventually(() => expect(dm("U_FORM")).toHaveLength(2));
    expect(blocksOf(dm("U_FORM")[1])).toContain("Massive Dynamic");
  });
});
