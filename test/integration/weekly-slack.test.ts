import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WEEKLY_ACTION, WEEKLY_VIEW } from "../../src/slack/blocks/weekly.js";
import { openStore } from "../../src/store/open.js";
import { eventually, type Harness, startHarness } from "../support/app-harness.js";
import { runCli } from "../support/cli.js";
import { createdDataDir } from "../support/data-dir.js";
import { FakeSlack } from "../support/fake-slack.js";
import { blockActions, TEAM_ID, viewSubmission } from "../support/slack-payloads.js";

// The weekly prompt's Slack surfaces: /coach weekly, the one invitation, the buttons and the private
// answer; and `deal-coach weekly due|send` as an operator runs them.

let h: Harness;
beforeAll(async () => {
  h = await startHarness("http");
  h.slack.on("users.info", (args) => ({
    ok: true,
    user: { id: args.user, tz: "Europe/London", is_bot: false },
  }));
});
afterAll(async () => {
  await h?.close();
});

const ephemeral = { type: "message", is_ephemeral: true };

describe("/coach weekly", () => {
  it("opts in with a day and time and answers when the next prompt comes, in local time", async () => {
    const reply = await h.commandReply({ text: "weekly on fri 15:00", user_id: "U_WK" });
    expect(reply.text).toMatch(
      /Weekly reflection is on.*Friday.*15:00 \(Europe\/London\)|today at 15:00|tomorrow at 15:00/,
    );
    const schedule = await h.store.weekly.getSchedule({ teamId: TEAM_ID, userId: "U_WK" });
    expect(schedule?.enabled).toBe(true);
    expect(schedule?.nextRunAt).not.toBeNull();
    const bad = await h.commandReply({ text: "weekly on someday", user_id: "U_WK" });
    expect(bad.text).toMatch(/Try \/coach weekly on fri 15:00/);
    const off = await h.commandReply({ text: "weekly off", user_id: "U_WK" });
    expect(off.text).toMatch(/off/);
    expect((await h.store.weekly.getSchedule({ teamId: TEAM_ID, userId: "U_WK" }))?.enabled).toBe(false);
  });

  it("sends the invitation once, after a rep first uses /coach", async () => {
    const from = h.slack.calls.length;
    await h.commandReply({ text: "they went quiet after the demo", user_id: "U_NEW" });
    await h.commandReply({ text: "still quiet", user_id: "U_NEW" });
    await eventually(() =>
      expect(
        h.slack.calls
          .slice(from)
          .filter((c) => c.method === "chat.postMessage" && c.args.channel === "U_NEW"),
      ).toHaveLength(1),
    );
    await new Promise((r) => setTimeout(r, 200));
    const invitations = h.slack.calls
      .slice(from)
      .filter((c) => c.method === "chat.postMessage" && c.args.channel === "U_NEW");
    expect(invitations).toHaveLength(1);
    expect(JSON.stringify(invitations[0]?.args.blocks)).toContain(WEEKLY_ACTION.optIn);
    const yes = await h.actionReply(
      blockActions({
        action_id: WEEKLY_ACTION.optIn,
        value: "yes",
        user: "U_NEW",
        message: null,
        container: ephemeral,
      }),
    );
    expect(yes.text).toMatch(/Weekly reflection is on/);
  });
});

describe("buttons on a prompt", () => {
  const value = JSON.stringify({ p: "week.surprised-you", w: "2026-W48" });

  it("Answer opens a private modal; the answer is stored for its author and marks the week answered", async () => {
    const key = { teamId: TEAM_ID, userId: "U_ANS" };
    await h.store.weekly.saveSchedule(key, { enabled: true, unanswered: 2 });
    const from = h.slack.calls.length;
    await h.interact(
      blockActions({
        action_id: WEEKLY_ACTION.answer,
        value,
        user: key.userId,
        message: null,
        container: ephemeral,
      }),
    );
    const open = await h.slack.waitFor((c) => c.method === "views.open", { from });
    const view = open.args.view as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe(WEEKLY_VIEW.answer);
    const secret = "I kept chasing the champion instead of asking what the CFO needs";
    const res = await h.interact(
      viewSubmission({
        callback_id: WEEKLY_VIEW.answer,
        user: key.userId,
        private_metadata: view.private_metadata,
        values: { weekly_answer: { answer: secret } },
      }),
    );
    expect((res.json as { response_action: string }).response_action).toBe("update");
    expect((await h.store.listReflections(key)).map((r) => r.answer)).toEqual([secret]);
    expect((await h.store.weekly.getSchedule(key))?.unanswered).toBe(0);
    expect(JSON.stringify(h.slack.calls)).not.toContain(secret);
  });

  it("Pause 4 weeks and Stop change the schedule and say so privately", async () => {
    const key = { teamId: TEAM_ID, userId: "U_PAUSE" };
    await h.commandReply({ text: "weekly on mon 09:00", user_id: key.userId });
    const paused = await h.actionReply(
      blockActions({
        action_id: WEEKLY_ACTION.pause,
        value,
        user: key.userId,
        message: null,
        container: ephemeral,
      }),
    );
    expect(paused.text).toMatch(/Paused for 4 weeks/);
    const s = await h.store.weekly.getSchedule(key);
    expect(s?.nextRunAt?.getTime()).toBeGreaterThan(Date.now() + 27 * 86_400_000);
    const stopped = await h.actionReply(
      blockActions({
        action_id: WEEKLY_ACTION.stop,
        value,
        user: key.userId,
        message: null,
        container: ephemeral,
      }),
    );
    expect(stopped.text).toMatch(/off/);
    expect((await h.store.weekly.getSchedule(key))?.enabled).toBe(false);
  });
});

describe("deal-coach weekly", () => {
  // The bundled bin that operators (and the fan-out benchmark) run, built from src/ by
  // test/global-setup.ts in the same run, proves what a run from source (tsx) proved here; no user runs
  // the CLI from source. `npm run dev` (tsx) starts src/main.ts, as slack-socket.test.ts does; the
  // embedded store's TypeScript worker runs in every in-process test.
  it("lists who is due and sends one pass, exactly once, on the embedded store (dist/cli.js)", async () => {
    const dist = true;
    const slack = await FakeSlack.start();
    // Created already: what is tested is the weekly commands on the embedded store, not its first creation.
    const dataDir = await createdDataDir("deal-coach-weekly-cli-");
    try {
      const store = await openStore({ dataDir });
      for (const userId of ["U_C1", "U_C2"]) {
        await store.upsertUser(
          { teamId: "T0123ABCD", userId },
          { tz: "Europe/London", settings: { weekly: { enabled: true, day: 5, time: "15:00" } } },
        );
        await store.weekly.saveSchedule(
          { teamId: "T0123ABCD", userId },
          { enabled: true, nextRunAt: new Date("2026-11-27T15:00:00Z") },
        );
      }
      await store.close();
      const env = {
        DATA_DIR: dataDir,
        DATABASE_URL: "",
        SLACK_BOT_TOKEN: "xoxb-cli",
        SLACK_APP_TOKEN: "xapp-cli",
        SLACK_API_URL: slack.apiUrl,
      };
      const due = await runCli(["weekly", "due", "--at", "2026-11-27T15:01:00Z"], { env, dist });
      expect(due.code, due.stderr).toBe(0);
      expect(
        due.stdout
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l)),
      ).toEqual([
        { team: "T0123ABCD", user: "U_C1", due_at: "2026-11-27T15:00:00.000Z" },
        { team: "T0123ABCD", user: "U_C2", due_at: "2026-11-27T15:00:00.000Z" },
      ]);
      const send = await runCli(["weekly", "send", "--at", "2026-11-27T15:01:00Z"], { env, dist });
      expect(send.code, send.stderr).toBe(0);
      expect(JSON.parse(send.stdout)).toEqual({ due: 2, sent: 2, skipped: 0, failed: 0 });
      const again = await runCli(["weekly", "send", "--at", "2026-11-27T15:02:00Z"], { env, dist });
      expect(JSON.parse(again.stdout)).toEqual({ due: 0, sent: 0, skipped: 0, failed: 0 });
      expect(slack.callsTo("chat.postMessage")).toHaveLength(2);
      const bad = await runCli(["weekly", "send", "--at", "friday"], { env, dist });
      expect(bad.code).toBe(2);
    } finally {
      await slack.close();
    }
  }, 180_000);
});

describe("admins", () => {
  it("set the workspace default and invite a channel's members, who each still choose", async () => {
    h.slack.on("users.info", (args) => ({
      ok: true,
      user: {
        id: args.user,
        tz: "Europe/London",
        is_admin: args.user === "U_BOSS",
        is_bot: args.user === "U_BOTTY",
      },
    }));
    h.slack.on("conversations.members", () => ({ ok: true, members: ["U_M1", "U_M2", "U_BOTTY"] }));
    try {
      const denied = await h.commandReply({ text: "weekly default mon 09:00", user_id: "U_M1" });
      expect(denied.text).toMatch(/Only workspace admins/);
      const set = await h.commandReply({ text: "weekly default mon 09:00", user_id: "U_BOSS" });
      expect(set.text).toMatch(/Monday at 09:00/);
      expect(await h.store.weekly.workspaceDefaults(TEAM_ID)).toMatchObject({ day: 1, time: "09:00" });
      const from = h.slack.calls.length;
      const invited = await h.commandReply({ text: "weekly invite <#C0TEAM123|sales>", user_id: "U_BOSS" });
      expect(invited.text).toMatch(/Invited 2 members/);
      const dms = h.slack.calls.slice(from).filter((c) => c.method === "chat.postMessage");
      expect(dms.map((c) => c.args.channel).sort()).toEqual(["U_M1", "U_M2"]);
      expect((await h.store.weekly.getSchedule({ teamId: TEAM_ID, userId: "U_M1" }))?.enabled).toBe(false);
      const again = await h.commandReply({ text: "weekly invite <#C0TEAM123|sales>", user_id: "U_BOSS" });
      expect(again.text).toMatch(/Invited 0 members/);
      // A rep who opts in without choosing gets the workspace default.
      const on = await h.commandReply({ text: "weekly on", user_id: "U_M2" });
      expect(on.text).toMatch(/Monday|today at 09:00|tomorrow at 09:00/);
    } finally {
      h.slack.on("users.info", (args) => ({
        ok: true,
        user: { id: args.user, tz: "Europe/London", is_bot: false },
      }));
      h.slack.off("conversations.members");
    }
  });
});

describe("skip and snooze", () => {
  it("skips the next week or snoozes until a date, and says when the next prompt comes", async () => {
    const key = { teamId: TEAM_ID, userId: "U_SKIP" };
    await h.commandReply({ text: "weekly on fri 15:00", user_id: key.userId });
    const before = (await h.store.weekly.getSchedule(key))?.nextRunAt?.getTime() ?? 0;
    const skipped = await h.commandReply({ text: "weekly skip", user_id: key.userId });
    expect(skipped.text).toMatch(/Skipping one week/);
    const after = (await h.store.weekly.getSchedule(key))?.nextRunAt?.getTime() ?? 0;
    // One week later (7 days, give or take a DST hour).
    expect(Math.abs(after - before - 7 * 86_400_000)).toBeLessThanOrEqual(3_600_000);
    const snoozed = await h.commandReply({ text: "weekly snooze 2027-03-01", user_id: key.userId });
    expect(snoozed.text).toMatch(/Snoozed until 2027-03-01.*Friday 5 March 2027 at 15:00/);
    const bad = await h.commandReply({ text: "weekly snooze next tuesday", user_id: key.userId });
    expect(bad.text).toMatch(/Give a date/);
  });
});
