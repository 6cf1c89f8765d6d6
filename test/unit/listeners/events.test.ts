import { describe, expect, it } from "vitest";
import type { publishHome } from "../../../src/slack/coach-replies.js";
import { appHomeOpened } from "../../../src/slack/listeners/events/app-home.js";
import { appMention } from "../../../src/slack/listeners/events/app-mention.js";
import type { EventArgs } from "../../../src/slack/listeners/events/event-args.js";
import { appUninstalled, tokensRevoked } from "../../../src/slack/listeners/events/lifecycle.js";
import type { handleMention } from "../../../src/slack/listeners/events/mention.js";
import {
  type MessageWhere,
  messageEvent,
  type PlainMessage,
} from "../../../src/slack/listeners/events/message.js";
import { call, fakeClient, fakeServices, recorder } from "./fakes.js";

// Each event listener calls one function with what the event says (Bolt acknowledges events itself).

function eventArgs<T extends string>(
  event: Record<string, unknown>,
  body: Record<string, unknown> = { team_id: "T1" },
  context: Record<string, unknown> = {},
) {
  const { client } = fakeClient();
  return {
    client,
    args: {
      event,
      body,
      client,
      context: { requestId: "req-3", botUserId: "UBOT", botId: "BBOT", ...context },
    } as unknown as EventArgs<T>,
  };
}

describe("app_mention", () => {
  it("hands the mention to the handler, with a busy reply in its thread ready", async () => {
    const { services, queued } = fakeServices();
    const handle = recorder<Parameters<typeof handleMention>, void>();
    const { args, client } = eventArgs<"app_mention">({
      user: "U1",
      channel: "C1",
      text: "<@UBOT> hi",
      ts: "1.1",
      thread_ts: "1.0",
    });
    await appMention(services, handle)(args);
    const [, givenClient, input] = call(handle);
    expect(givenClient).toBe(client);
    expect(input).toEqual({
      teamId: "T1",
      channel: "C1",
      user: "U1",
      text: "<@UBOT> hi",
      ts: "1.1",
      threadTs: "1.0",
      botUserId: "UBOT",
      requestId: "req-3",
    });
    expect(queued).toEqual([{ busy: true }]);
  });

  it("a mention with no user (a workflow's) is not answered", async () => {
    const { services } = fakeServices();
    const handle = recorder<Parameters<typeof handleMention>, void>();
    await appMention(
      services,
      handle,
    )(eventArgs<"app_mention">({ channel: "C1", text: "<@UBOT>", ts: "1.1" }).args);
    expect(handle.calls).toHaveLength(0);
  });
});

describe("message", () => {
  it("routes with the team from the envelope, else from authorize; a busy reply only for a person's DM", async () => {
    const { services, queued } = fakeServices();
    const route = recorder<[unknown, unknown, PlainMessage, MessageWhere], void>();
    const dm = { channel: "D1", channel_type: "im", user: "U1", text: "hi", ts: "2.1" };
    await messageEvent(services, route)(eventArgs<"message">(dm).args);
    expect(call(route).slice(2)).toEqual([
      dm,
      { teamId: "T1", botUserId: "UBOT", botId: "BBOT", requestId: "req-3" },
    ]);

    const crm = {
      channel: "C9",
      channel_type: "channel",
      subtype: "bot_message",
      bot_id: "BCRM",
      text: "Deal moved",
      ts: "3.1",
    };
    await messageEvent(services, route)(eventArgs<"message">(crm, {}, { teamId: "T2" }).args);
    expect(call(route, 1)[3].teamId).toBe("T2");
    expect(queued).toEqual([{ busy: true }, { busy: false }]);
  });
});

describe("app_home_opened", () => {
  it("publishes the opener's Home; another tab publishes nothing; a failure is only logged", async () => {
    const { services, logger } = fakeServices();
    const publish = recorder<Parameters<typeof publishHome>, void>();
    await appHomeOpened(services, publish)(eventArgs<"app_home_opened">({ tab: "home", user: "U1" }).args);
    expect(call(publish)[2]).toEqual({ teamId: "T1", userId: "U1" });
    await appHomeOpened(
      services,
      publish,
    )(eventArgs<"app_home_opened">({ tab: "messages", user: "U1" }).args);
    expect(publish.calls).toHaveLength(1);

    const failing = recorder<Parameters<typeof publishHome>, void>(() =>
      Promise.reject(new Error("views.publish failed")),
    );
    await appHomeOpened(services, failing)(eventArgs<"app_home_opened">({ tab: "home", user: "U1" }).args);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ level: "error", message: "app home publish failed" }),
    );
  });
});

describe("uninstall and revoked tokens", () => {
  it("app_uninstalled forgets the team; without a team nothing is deleted", async () => {
    const forgetTeam = recorder();
    const { services } = fakeServices({ store: { forgetTeam } });
    await appUninstalled(services)(eventArgs<"app_uninstalled">({}).args);
    expect(forgetTeam.calls).toEqual([["T1"]]);
    await appUninstalled(services)(eventArgs<"app_uninstalled">({}, {}, {}).args);
    expect(forgetTeam.calls).toHaveLength(1);
  });

  it("tokens_revoked deletes the installation only for a bot token, by enterprise for an org install", async () => {
    const deleteInstallation = recorder();
    const { services } = fakeServices({ store: { deleteInstallation } });
    await tokensRevoked(services)(eventArgs<"tokens_revoked">({ tokens: { oauth: ["U1"] } }).args);
    expect(deleteInstallation.calls).toHaveLength(0);
    await tokensRevoked(services)(eventArgs<"tokens_revoked">({ tokens: { bot: ["UBOT"] } }).args);
    await tokensRevoked(services)(
      eventArgs<"tokens_revoked">(
        { tokens: { bot: ["UBOT"] } },
        { team_id: "T1" },
        { isEnterpriseInstall: true, enterpriseId: "E1" },
      ).args,
    );
    expect(deleteInstallation.calls).toEqual([["T1"], ["E1"]]);
  });
});
