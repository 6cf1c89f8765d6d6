import type { WebClient } from "@slack/web-api";
import { linkCommand } from "../../../deals/link-command.js";
import { unlinkAll } from "../../../deals/links.js";
import { nudgesCommand } from "../../../deals/nudges-command.js";
import { parseWeeklyCommand } from "../../../reflection/schedule.js";
import { inviteOnce, weeklyAdmin } from "../../../reflection/weekly-admin.js";
import type { UserKey } from "../../../store/types.js";
import { DEFAULT_SETTINGS } from "../../../store/types.js";
import type { Block } from "../../blocks/kit.js";
import { forgetConfirmMessage, helpMessage, notice } from "../../blocks/messages.js";
import { settingsModal, situationModal } from "../../blocks/modals.js";
import { settingsMetadata, situationMetadata } from "../../button-values.js";
import { coachAndRecord } from "../../coach-replies.js";
import type { OneReply } from "../../one-reply.js";
import { isWorkspaceAdmin, profileEmail } from "../../people.js";
import type { Services } from "../../services.js";
import { moveWeekly, setWeekly } from "../../weekly-opt-in.js";
import { nudgesReply } from "./nudges-reply.js";
import { inviteWithDefaults, weeklyAdminReply, workspacePeople } from "./weekly-admin-reply.js";

// Every `/coach` subcommand, as a table: how the text selects it, what runs, and its line in `/coach help`
// (generated from this table, so help lists exactly what the table holds). The first entry whose match
// accepts the text runs; text that no entry takes is a situation to coach on (COACH_TEXT). Handlers call
// their domain (deals/, reflection/) for the decision and only render and reply here.

/** One /coach request, as the handlers read it. */
export interface CommandRequest {
  /** The command text, trimmed, as typed. */
  text: string;
  key: UserKey;
  triggerId: string;
  responseUrl: string;
  channelId: string;
  requestId: string | undefined;
}

/** How a handler answers: privately where /coach was typed, or (coaching) as one reply. */
export interface CommandTools {
  services: Services;
  client: WebClient;
  respond(message: { text: string; blocks?: Block[] }): Promise<unknown>;
  reply: OneReply;
}

export interface Subcommand {
  /** For logs and tests. */
  name: string;
  /** Whether this entry takes the request; `sub` is the trimmed text in lower case. */
  match(sub: string): boolean;
  /** Its line in `/coach help`; null when another entry's line already covers it. */
  help: string | null;
  run(request: CommandRequest, tools: CommandTools): Promise<void>;
}

const word = (name: string) => (sub: string) => sub === name || sub.startsWith(`${name} `);
/** The text after the subcommand's words, in the case it was typed. */
const after = (request: CommandRequest, words: string) => request.text.slice(words.length);

/** Longer than this, the situation is read only in part (the coacher's input bound). */
const LONG_TEXT = 4000;

/** Anything no subcommand takes: a situation to coach on. */
export const COACH_TEXT: Subcommand = {
  name: "coach",
  match: () => true,
  help: "`/coach Globex went quiet after the pricing call`: coaching questions, only you see them",
  async run(request, { services, client, respond, reply }) {
    const { key, text, requestId } = request;
    if (text.length > LONG_TEXT) {
      await respond(
        notice(
          "That's a lot to take in at once. I've read the first 4,000 characters; here is what I'd ask about them.",
        ),
      );
    }
    reply.thinking();
    const { result, rendered } = await coachAndRecord(services, { key, text, surface: "command", requestId });
    await reply.send(rendered);
    // Not the moment to offer a weekly routine to a rep writing about themselves (docs/person.md).
    if (result.person) return;
    // After the answer, and never failing it: the one invitation to the weekly reflection.
    await inviteOnce(services.store, key, inviteWithDefaults(client, key.userId)).catch((err: Error) =>
      services.logger.warn({ err: { message: err.message } }, "weekly invitation failed"),
    );
    services.logger.info({ requestId, team: key.teamId, user: key.userId, surface: "command" }, "coached");
  },
};

export const SUBCOMMANDS: readonly Subcommand[] = [
  {
    name: "situation form",
    match: (sub) => sub === "",
    help: "`/coach`: a short form (deal, stage, what happened)",
    async run(request, { client }) {
      // trigger_id lives about 3 s: open the modal before anything else.
      const metadata = situationMetadata.encode({
        responseUrl: request.responseUrl,
        channel: request.channelId,
      });
      await client.views.open({ trigger_id: request.triggerId, view: situationModal(metadata ?? "") });
    },
  },
  {
    name: "settings",
    match: (sub) => sub === "settings",
    help: "`/coach settings`: weekly reflection, deal nudges, quiet hours",
    async run(request, { services, client }) {
      const user = await services.store.getUser(request.key);
      const metadata = settingsMetadata.encode({ responseUrl: request.responseUrl });
      await client.views.open({
        trigger_id: request.triggerId,
        view: settingsModal(user?.settings ?? DEFAULT_SETTINGS, metadata ?? ""),
      });
    },
  },
  {
    name: "weekly admin",
    match: (sub) => sub.startsWith("weekly default") || sub.startsWith("weekly invite"),
    help: "(admins) `/coach weekly default fri 15:00`: the workspace's weekly day and time; `/coach weekly invite #channel`: invite a channel's members once",
    async run(request, { services, client, respond }) {
      const outcome = await weeklyAdmin(
        {
          store: services.store,
          people: workspacePeople(client),
          invite: (userId) => inviteWithDefaults(client, userId)({}),
        },
        request.key,
        after(request, "weekly").trim(),
      );
      await respond(notice(weeklyAdminReply(outcome)));
    },
  },
  {
    name: "weekly skip or snooze",
    match: (sub) => sub === "weekly skip" || sub.startsWith("weekly snooze"),
    help: null, // on the weekly line
    async run(request, { services, respond }) {
      const how =
        request.text.toLowerCase() === "weekly skip"
          ? { skip: true as const }
          : { until: after(request, "weekly snooze").trim() };
      await respond(notice(await moveWeekly(services.store, request.key, how, new Date())));
    },
  },
  {
    name: "weekly",
    match: word("weekly"),
    help: "`/coach weekly on` / `off`: one private question about your week, by DM; `/coach weekly skip` or `/coach weekly snooze 2026-12-31` moves the next one",
    async run(request, { services, client, respond }) {
      const parsed = parseWeeklyCommand(after(request, "weekly"));
      const reply =
        "error" in parsed
          ? parsed.error
          : await setWeekly(
              services.store,
              client,
              request.key,
              parsed.on ? { on: true, day: parsed.day, time: parsed.time } : { on: false },
              new Date(),
            );
      await respond(notice(reply));
    },
  },
  {
    name: "link",
    match: word("link"),
    help: "`/coach link you@company.com`: get nudges for the deals your CRM assigns to that email (an email that isn't on your Slack profile needs an admin's approval); `/coach unlink` stops them",
    async run(request, { services, client, respond }) {
      const { reply, tried } = await linkCommand(
        services.store.deals,
        () => profileEmail(client, request.key.userId),
        request.key,
        after(request, "link").trim(),
      );
      if (tried) services.wakeDeals?.();
      await respond(notice(reply));
    },
  },
  {
    name: "unlink",
    match: (sub) => sub === "unlink",
    help: null, // on the link line
    async run(request, { services, respond }) {
      // Plain text: the reply is one mrkdwn line, and needs no blocks.
      await respond({ text: await unlinkAll(services.store.deals, request.key) });
    },
  },
  {
    name: "nudges",
    match: word("nudges"),
    help: "`/coach nudges on` / `off`: whether deal nudges come to you at all",
    async run(request, { services, client, respond }) {
      const outcome = await nudgesCommand(
        { store: services.store, isAdmin: (userId) => isWorkspaceAdmin(client, userId) },
        request.key,
        after(request, "nudges"),
        new Date(),
      );
      // Held nudges just released (the rep said yes) go out now.
      if (outcome.kind === "chosen" && outcome.reply.released > 0) services.wakeDeals?.();
      if (outcome.kind === "default-set") {
        services.logger.info(
          { team: request.key.teamId, user: request.key.userId, on: outcome.on },
          "nudges default changed",
        );
      }
      const reply = nudgesReply(outcome);
      await respond({ text: reply.text });
    },
  },
  {
    name: "forget",
    match: (sub) => sub === "forget",
    help: "`/coach forget`: delete everything Deal Coach stores about you",
    async run(_request, { respond }) {
      await respond(forgetConfirmMessage());
    },
  },
  {
    name: "help",
    match: (sub) => sub === "help" || sub === "?",
    help: null, // help itself
    async run(_request, { respond }) {
      await respond(helpMessage(helpLines()));
    },
  },
];

/** `/coach help`'s lines: the coaching line first, then each subcommand's, in table order. */
export function helpLines(): string[] {
  return [COACH_TEXT, ...SUBCOMMANDS].flatMap((s) => (s.help === null ? [] : [s.help]));
}

/** The entry that takes this text. */
export function subcommandFor(text: string): Subcommand {
  const sub = text.trim().toLowerCase();
  return SUBCOMMANDS.find((s) => s.match(sub)) ?? COACH_TEXT;
}
