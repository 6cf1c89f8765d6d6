import { describe, expect, it } from "vitest";
import { SORRY } from "../../../src/slack/blocks/messages.js";
import { situationMetadata } from "../../../src/slack/button-values.js";
import { VIEW } from "../../../src/slack/ids.js";
import {
  type CoachCommandArgs,
  coachCommand,
  type HandleCoachCommand,
  handleCoachCommand,
} from "../../../src/slack/listeners/commands/coach-command.js";
import {
  type CommandRequest,
  helpLines,
  SUBCOMMANDS,
  subcommandFor,
} from "../../../src/slack/listeners/commands/subcommands.js";
import { call, fakeClient, fakeServices, recorder } from "./fakes.js";

// The /coach listener acks, hands the request to one function, and that function runs the subcommand the
// table selects and replies privately. Plain fakes for ack, respond, client and services.

const RESPONSE_URL = "https://hooks.slack.test/commands/T1/1/abc";

function commandArgs(text: string, client = fakeClient().client) {
  const order: string[] = [];
  const ack = recorder(() => {
    order.push("ack");
  });
  const respond = recorder();
  const args = {
    ack,
    respond,
    client,
    context: { requestId: "req-1" },
    command: {
      text,
      team_id: "T1",
      user_id: "U1",
      trigger_id: "trig-1",
      response_url: RESPONSE_URL,
      channel_id: "C1",
    },
  } as unknown as CoachCommandArgs;
  return { args, ack, respond, order };
}

const request = (text: string): CommandRequest => ({
  text,
  key: { teamId: "T1", userId: "U1" },
  triggerId: "trig-1",
  responseUrl: RESPONSE_URL,
  channelId: "C1",
  requestId: "req-1",
});

/** The text of every block of a reply, joined. */
const shown = (message: unknown): string => {
  const m = message as { text: string; blocks?: Array<{ text?: { text: string } }> };
  return [m.text, ...(m.blocks ?? []).map((b) => b.text?.text ?? "")].join("\n");
};

describe("/coach listener", () => {
  it("acks before anything else, then calls the handler once with the request read from the command", async () => {
    const { services, queued } = fakeServices();
    const { args, ack, respond, order } = commandArgs("  Globex went quiet  ");
    const handle = recorder<Parameters<HandleCoachCommand>, void>(() => {
      order.push("handle");
    });
    await coachCommand(services, handle)(args);
    expect(ack.calls).toHaveLength(1);
    expect(order).toEqual(["ack", "handle"]);
    expect(handle.calls).toHaveLength(1);
    const [given, req, answer] = call(handle);
    expect(given).toBe(services);
    expect(req).toEqual(request("Globex went quiet"));
    expect(answer.respond).toBe(respond);
    expect(answer.client).toBe(args.client);
    // Through the work queue, with a busy reply to the response_url ready.
    expect(queued).toEqual([{ busy: true }]);
  });

  it("when the work queue is full: acked, the handler never called", async () => {
    const { services } = fakeServices({}, { busy: true });
    const { args, ack } = commandArgs("help");
    // A non-http response_url has no busy reply to send, so nothing leaves the process.
    (args.command as { response_url: string }).response_url = "not-a-url";
    const handle = recorder<Parameters<HandleCoachCommand>, void>();
    await coachCommand(services, handle)(args);
    expect(ack.calls).toHaveLength(1);
    expect(handle.calls).toHaveLength(0);
  });
});

describe("/coach subcommands", () => {
  it("help lists every line of the table, privately", async () => {
    const { services } = fakeServices();
    const { args, respond } = commandArgs("help");
    await handleCoachCommand(services, request("help"), args);
    expect(respond.calls).toHaveLength(1);
    const [reply] = respond.calls[0] as [Record<string, unknown>];
    expect(reply.response_type).toBe("ephemeral");
    for (const line of helpLines()) expect(shown(reply)).toContain(line);
    expect(shown(reply)).toContain("`/coach weekly on`");
  });

  it("forget asks for confirmation and deletes nothing yet", async () => {
    const { services } = fakeServices();
    const { args, respond } = commandArgs("forget");
    await handleCoachCommand(services, request("FORGET"), args);
    expect(respond.calls).toHaveLength(1);
    expect(shown(call(respond, 0)[0])).toContain("Delete everything Deal Coach stores about you?");
  });

  it("alone, opens the situation form with the trigger id and where to answer", async () => {
    const { services } = fakeServices();
    const { client, calls } = fakeClient({ views: { open: () => ({ ok: true }) } });
    const { args, respond } = commandArgs("", client);
    await handleCoachCommand(services, request(""), args);
    expect(calls).toHaveLength(1);
    const { trigger_id, view } = calls.map((c) => c.args)[0] as {
      trigger_id: string;
      view: { callback_id: string; private_metadata: string };
    };
    expect(trigger_id).toBe("trig-1");
    expect(view.callback_id).toBe(VIEW.situation);
    expect(situationMetadata.decode(view.private_metadata)).toEqual({
      responseUrl: RESPONSE_URL,
      channel: "C1",
    });
    expect(respond.calls).toHaveLength(0);
  });

  it("weekly invite from a non-admin is refused before any channel is read", async () => {
    const { services } = fakeServices({ store: {} });
    const { client, calls } = fakeClient({
      users: { info: () => ({ ok: true, user: { id: "U1", is_admin: false } }) },
      conversations: { members: () => ({ ok: true, members: ["U2"] }) },
    });
    const { args, respond } = commandArgs("weekly invite <#C0123456|deals>", client);
    await handleCoachCommand(services, request("weekly invite <#C0123456|deals>"), args);
    expect(calls.map((c) => c.method)).toEqual(["users.info"]);
    expect(shown(call(respond, 0)[0])).toContain("Only workspace admins can do that.");
  });

  it("weekly invite from an admin invites each person once, never a bot or someone already asked", async () => {
    const invited = new Set(["U3"]);
    const store = {
      getUser: async () => undefined,
      weekly: {
        markInvited: async ({ userId }: { userId: string }) => !invited.has(userId) && !!invited.add(userId),
      },
    };
    const { services } = fakeServices({ store });
    const { client, calls } = fakeClient({
      users: {
        info: (a: { user: string }) => ({
          ok: true,
          user: { id: a.user, is_admin: a.user === "UADMIN", is_bot: a.user === "UBOT" },
        }),
      },
      conversations: { members: () => ({ ok: true, members: ["U1", "U2", "U3", "UBOT"] }) },
      chat: { postMessage: () => ({ ok: true }) },
    });
    const { args, respond } = commandArgs("weekly invite <#C0123456|deals>", client);
    const req = { ...request("weekly invite <#C0123456|deals>"), key: { teamId: "T1", userId: "UADMIN" } };
    await handleCoachCommand(services, req, args);
    const dms = calls
      .filter((c) => c.method === "chat.postMessage")
      .map((c) => (c.args as { channel: string }).channel);
    expect(dms).toEqual(["U1", "U2"]);
    expect(shown(call(respond, 0)[0])).toContain("Invited 2 members of <#C0123456>");
  });

  it("link takes a Slack-linked e-mail, links it, and wakes the deal worker; a bad one is only explained", async () => {
    const claim = recorder("linked");
    const wakeDeals = recorder();
    const { services } = fakeServices({
      store: { deals: { links: { claim }, assignOwner: async () => 0 } },
      wakeDeals,
    });
    const { client } = fakeClient({
      users: { info: () => ({ ok: true, user: { id: "U1", profile: { email: "Ann@Acme.com" } } }) },
    });
    const { args, respond } = commandArgs("", client);
    await handleCoachCommand(services, request("link <mailto:ann@acme.com|ann@acme.com>"), args);
    expect(claim.calls).toEqual([["T1", "ann@acme.com", "U1", "link"]]);
    expect(wakeDeals.calls).toHaveLength(1);
    expect(shown(call(respond, 0)[0])).toContain("Linked. Deal updates owned by ann@acme.com");

    await handleCoachCommand(services, request("link ann@acme"), args);
    expect(claim.calls).toHaveLength(1);
    expect(wakeDeals.calls).toHaveLength(1);
    expect(shown(call(respond, 1)[0])).toContain("Give the email address your CRM uses for you");
  });

  it("a failing subcommand is logged with the request id and the user told kindly", async () => {
    const { services, logger } = fakeServices({
      store: { getUser: async () => Promise.reject(new Error("store down")) },
    });
    const { client, calls } = fakeClient({ views: { open: () => ({ ok: true }) } });
    const { args, respond } = commandArgs("settings", client);
    await handleCoachCommand(services, request("settings"), args);
    expect(calls).toHaveLength(0);
    expect(respond.calls).toHaveLength(1);
    expect(shown(call(respond, 0)[0])).toContain(SORRY.text);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        level: "error",
        message: "listener failed",
        fields: expect.objectContaining({ requestId: "req-1" }),
      }),
    );
  });
});

describe("the subcommand table", () => {
  it("selects by the first words, in any case, and leaves everything else to coaching", () => {
    const picks: Array<[string, string]> = [
      ["", "situation form"],
      ["settings", "settings"],
      ["Settings", "settings"],
      ["weekly default fri 15:00", "weekly admin"],
      ["weekly invite #deals", "weekly admin"],
      ["weekly skip", "weekly skip or snooze"],
      ["weekly snooze 2026-12-31", "weekly skip or snooze"],
      ["weekly on fri 15:00", "weekly"],
      ["weekly", "weekly"],
      ["link ann@acme.com", "link"],
      ["unlink", "unlink"],
      ["nudges default on", "nudges"],
      ["forget", "forget"],
      ["help", "help"],
      ["?", "help"],
      // Words that only start like a subcommand are a situation.
      ["weeklyish pipeline review", "coach"],
      ["linked in with the CFO", "coach"],
      ["forget about the discount, they want terms", "coach"],
      ["settings changed at Globex after the reorg", "coach"],
      ["Globex went quiet after pricing", "coach"],
    ];
    for (const [text, name] of picks) expect([text, subcommandFor(text).name]).toEqual([text, name]);
  });

  it("every entry is either in help or says whose line covers it, and help names only /coach commands", () => {
    const names = SUBCOMMANDS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of SUBCOMMANDS) {
      if (s.help !== null) expect(s.help).toMatch(/`\/coach/);
    }
    expect(SUBCOMMANDS.filter((s) => s.help === null).map((s) => s.name)).toEqual([
      "weekly skip or snooze",
      "unlink",
      "help",
    ]);
    const lines = helpLines().join("\n");
    expect(lines).toContain("/coach unlink");
    expect(lines).toContain("/coach weekly skip");
  });
});
