import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/app-harness.js";
import { tables } from "../support/catalogue.js";
import type { ApiCall } from "../support/fake-slack.js";
import { library } from "../support/library.js";
import {
  appMention,
  BOT_USER_ID,
  messageChannels,
  messageIm,
  nextTs,
  TEAM_ID,
} from "../support/slack-payloads.js";
import { type InspectableStore, testStoreWithSql } from "../support/store.js";

// The person before the deal (docs/person.md), through the real Bolt app and store: a rep who writes
// that they are burned out, want to quit or are grieving gets caring questions about themselves, and
// nothing of it is recorded, counted, nudged, logged or shown to a channel.

const CARING = new Set(library.person.map((q) => q.text));
// Words of the rep's that must never reach a log line.
const PRIVATE_WORDS = ["burned out", "exhausted", "passed away", "want to quit", "can't do this"];

let h: Harness;
let db: InspectableStore;

beforeAll(async () => {
  db = await testStoreWithSql();
  h = await startHarness("http", "debug", { DEAL_CHANNELS: "C_DEALS" }, db.store);
});
afterAll(async () => {
  await h?.close();
});

/** Rows per table, but for the once-only delivery claims every handled message takes. */
async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of await tables(db)) {
    if (table === "processed_events") continue;
    const [row] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`);
    counts[table] = Number(row?.n);
  }
  return counts;
}

function texts(blocks: unknown): string[] {
  return ((blocks ?? []) as Array<{ type: string; text?: { text?: string } }>)
    .filter((b) => b.type === "section")
    .map((b) => b.text?.text ?? "");
}

/** The reply is caring questions only: one or two, all from prompts/person.yml, no button. */
function expectCaring(reply: { text?: unknown; blocks?: unknown }): void {
  const questions = texts(reply.blocks);
  expect(questions.length).toBeGreaterThanOrEqual(1);
  expect(questions.length).toBeLessThanOrEqual(2);
  for (const q of questions) expect(CARING.has(q), q).toBe(true);
  const types = ((reply.blocks ?? []) as Array<{ type: string }>).map((b) => b.type);
  expect(types).not.toContain("actions");
  expect(String(reply.text)).toBe(questions.join("\n"));
}

function expectNothingLogged(): void {
  const all = h.rawLogs.join("").toLowerCase();
  for (const word of PRIVATE_WORDS) expect(all).not.toContain(word);
  // Nor whether a message was about the person: no log line carries the reading or a caring question.
  for (const line of h.logs) expect(Object.keys(line)).not.toContain("person");
  for (const q of CARING) expect(all).not.toContain(q.toLowerCase());
}

const settle = () => new Promise((r) => setTimeout(r, 300));

describe("a rep who writes about themselves", () => {
  it("/coach: caring questions, privately, nothing recorded or counted in Home", async () => {
    const key = { teamId: TEAM_ID, userId: "U_PERSON_CMD" };
    const before = await h.store.userStats(key);
    const from = h.slack.calls.length;
    const reply = await h.commandReply({
      user_id: key.userId,
      text: "Initech slipped again and honestly I'm burned out, I can't do this anymore",
    });
    expect(reply.response_type).toBe("ephemeral");
    expectCaring(reply);
    expect(await h.store.recentQuestionIds(key)).toEqual([]);
    expect(await h.store.userStats(key)).toEqual(before);
    // Not followed by the weekly-reflection invitation a first /coach brings (the contrast is below).
    await settle();
    expect(h.slack.calls.slice(from).filter((c) => c.method === "chat.postMessage")).toEqual([]);
    expectNothingLogged();
  });

  it("/coach about a deal still gets deal questions, recorded (the contrast)", async () => {
    const key = { teamId: TEAM_ID, userId: "U_DEAL_CMD" };
    const from = h.slack.calls.length;
    const reply = await h.commandReply({ user_id: key.userId, text: "Initech went quiet after the demo" });
    await h.slack.waitFor((c) => c.method === "chat.postMessage" && c.args.channel === key.userId, {
      from,
    });
    const questions = texts(reply.blocks);
    expect(questions.some((q) => CARING.has(q))).toBe(false);
    expect((await h.store.recentQuestionIds(key)).length).toBeGreaterThan(0);
  });

  it("a DM: caring questions in its thread, and a reply about themselves is not taken deeper on a deal", async () => {
    const user = "U_PERSON_DM";
    const key = { teamId: TEAM_ID, userId: user };
    const ts = nextTs();
    let from = h.slack.calls.length;
    await h.event(messageIm({ user, ts, text: "Initech went quiet after the demo" }));
    await h.slack.waitFor((c) => c.method === "chat.postMessage" && c.args.thread_ts === ts, { from });
    const asked = await h.store.recentQuestionIds(key);
    expect(asked.length).toBeGreaterThan(0);
    const counts = await rowCounts();

    from = h.slack.calls.length;
    await h.event(
      messageIm({ user, ts: nextTs(), thread_ts: ts, text: "my dad passed away last week, I'm exhausted" }),
    );
    const reply = await h.slack.waitFor((c) => c.method === "chat.postMessage" && c.args.thread_ts === ts, {
      from,
    });
    expectCaring(reply.args);
    expect(await h.store.recentQuestionIds(key)).toEqual(asked);
    expect(await rowCounts()).toEqual(counts);
    expectNothingLogged();
  });

  it("a deal channel: no reply in the channel, no deal event, no nudge; caring questions for the rep's eyes only", async () => {
    const ts = nextTs();
    const counts = await rowCounts();
    const from = h.slack.calls.length;
    await h.event(
      messageChannels({
        channel: "C_DEALS",
        user: "U_ANN",
        ts,
        text: "Initech moved to negotiation, $48k. Honestly I want to quit, there's no point anymore",
      }),
    );
    const ephemeral = await h.slack.waitFor((c) => c.method === "chat.postEphemeral", { from });
    expect(ephemeral.args).toMatchObject({ channel: "C_DEALS", user: "U_ANN", thread_ts: ts });
    expectCaring(ephemeral.args);
    await settle();
    const posted = h.slack.calls
      .slice(from)
      .filter((c: ApiCall) => c.method === "chat.postMessage" || c.method === "chat.scheduleMessage");
    expect(posted).toEqual([]);
    expect(await rowCounts()).toEqual(counts);
    expectNothingLogged();
  });

  it("a deal channel: a bot's post about burnout gets nothing at all; a deal update still gets its thread reply", async () => {
    const counts = await rowCounts();
    let from = h.slack.calls.length;
    // A CRM bot's post: no user at all (the payload builder fills one in, so it is taken out).
    const { user: _none, ...botPost } = messageChannels({
      channel: "C_DEALS",
      ts: nextTs(),
      subtype: "bot_message",
      bot_id: "B_CRM",
      text: "Note on Initech: rep says I'm burned out",
    });
    await h.event(botPost);
    await settle();
    expect(h.slack.calls.slice(from).filter((c) => c.method.startsWith("chat."))).toEqual([]);
    expect(await rowCounts()).toEqual(counts);

    const ts = nextTs();
    from = h.slack.calls.length;
    await h.event(
      messageChannels({ channel: "C_DEALS", user: "U_ANN", ts, text: "Initech asked for 20% off to sign" }),
    );
    const reply = await h.slack.waitFor(
      (c) => c.method === "chat.postMessage" && c.args.channel === "C_DEALS",
      { from },
    );
    expect(reply.args.thread_ts).toBe(ts);
    expect(texts(reply.args.blocks).some((q) => CARING.has(q))).toBe(false);
  });

  it("a mention in a channel: caring questions only the rep sees, nothing in the thread", async () => {
    const ts = nextTs();
    const from = h.slack.calls.length;
    await h.event(
      appMention({
        user: "U_PERSON_AT",
        ts,
        text: `<@${BOT_USER_ID}> I'm so burned out, dreading work every day`,
      }),
    );
    const ephemeral = await h.slack.waitFor((c) => c.method === "chat.postEphemeral", { from });
    expect(ephemeral.args).toMatchObject({ user: "U_PERSON_AT", thread_ts: ts });
    expectCaring(ephemeral.args);
    await settle();
    expect(h.slack.calls.slice(from).filter((c) => c.method === "chat.postMessage")).toEqual([]);
    expect(await h.store.recentQuestionIds({ teamId: TEAM_ID, userId: "U_PERSON_AT" })).toEqual([]);
    expectNothingLogged();
  });
});
