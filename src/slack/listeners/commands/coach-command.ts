import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from "@slack/bolt";
import { linkEmail, unlinkAll } from "../../../deals/links.js";
import { parseWeeklyCommand } from "../../../reflection/schedule.js";
import type { IsoWeekday } from "../../../store/types.js";
import { DEFAULT_SETTINGS } from "../../../store/types.js";
import { forgetConfirmMessage, helpMessage, notice } from "../../blocks/messages.js";
import { settingsModal, situationModal } from "../../blocks/modals.js";
import { dayLabel } from "../../blocks/settings-options.js";
import { weeklyInvitation } from "../../blocks/weekly.js";
import { coachAndRecord } from "../../coaching.js";
import { OneReply, responseUrlWay } from "../../one-reply.js";
import { isWorkspaceAdmin, profileEmail } from "../../people.js";
import { busyEphemeral, ephemeral, kindly } from "../../reply.js";
import type { Services } from "../../services.js";
import { moveWeekly, setWeekly } from "../../weekly-opt-in.js";
import { nudgesCommand } from "./nudges-command.js";

// /coach [help | settings | forget | TEXT]. Ack first, always: everything slow happens after, in the
// bounded work queue (a busy reply when it is full).

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/**
 * The one invitation to the weekly reflection, sent by DM after a rep first uses /coach; never repeated,
 * whether they answer it or not.
 */
async function inviteOnce(
  services: Services,
  client: Args["client"],
  key: { teamId: string; userId: string },
) {
  try {
    const user = await services.store.getUser(key);
    if (user?.settings.weekly.enabled) return;
    if (!(await services.store.weekly.markInvited(key))) return;
    const defaults = await services.store.weekly.workspaceDefaults(key.teamId);
    const day = defaults.day ? dayLabel(defaults.day as IsoWeekday) : undefined;
    await client.chat.postMessage({
      channel: key.userId,
      ...weeklyInvitation({ day, time: defaults.time ?? undefined }),
    } as never);
  } catch (err) {
    services.logger.warn({ err: { message: (err as Error).message } }, "weekly invitation failed");
  }
}

/**
 * Admins only: `/coach weekly default fri 15:00` sets the workspace's default day and time;
 * `/coach weekly invite #channel` sends the (one-time) invitation to that channel's members, each of whom
 * still opts in or not.
 */
async function weeklyAdmin(
  services: Services,
  client: Args["client"],
  key: { teamId: string; userId: string },
  rest: string,
) {
  // Asked of Slack on every use: someone demoted since their last command is refused now.
  if (!(await isWorkspaceAdmin(client, key.userId))) return "Only workspace admins can do that.";
  if (rest.startsWith("default")) {
    const parsed = parseWeeklyCommand(`on ${rest.slice("default".length)}`);
    if ("error" in parsed || !parsed.on || (!parsed.day && !parsed.time))
      return "Try `/coach weekly default fri 15:00`.";
    await services.store.weekly.setWorkspaceDefaults(key.teamId, { day: parsed.day, time: parsed.time });
    return `The workspace default is now ${parsed.day ? dayLabel(parsed.day) : "unchanged day"}${parsed.time ? ` at ${parsed.time}` : ""}, in each rep's own timezone. It applies to reps who opt in without choosing.`;
  }
  const channel =
    rest.match(/<#([CG][A-Z0-9]+)(?:\|[^<>]*)?>/)?.[1] ?? rest.match(/\b([CG][A-Z0-9]{6,})\b/)?.[1];
  if (!channel) return "Try `/coach weekly invite #channel`.";
  const members = await client.conversations.members({ channel, limit: 1000 });
  let invited = 0;
  for (const userId of members.members ?? []) {
    const member = { teamId: key.teamId, userId };
    const user = await services.store.getUser(member);
    if (user?.settings.weekly.enabled || !(await services.store.weekly.markInvited(member))) continue;
    const profile = await client.users.info({ user: userId }).catch(() => undefined);
    if (profile?.user?.is_bot || profile?.user?.deleted) continue;
    await client.chat.postMessage({ channel: userId, ...weeklyInvitation() } as never);
    invited++;
  }
  return `Invited ${invited} member${invited === 1 ? "" : "s"} of <#${channel}> (people already invited or opted in are skipped). Each decides for themselves.`;
}

// A local part, "@", and a domain with a dot that has a character on each side. The dot is found by
// indexOf: `@[^\s@<>|]+\.[^\s@<>|]+$` tried every dot against the rest of the text (quadratic on "a@....").
const EMAIL_PARTS = /^[^\s@<>|]+@([^\s@<>|]+)$/;

function isEmail(text: string): boolean {
  const domain = EMAIL_PARTS.exec(text)?.[1];
  return domain?.slice(1, -1).includes(".") === true;
}

/**
 * `/coach link <crm email>`: deal updates owned by that CRM email come to this user, at once when it is
 * their own Slack profile e-mail, otherwise once a workspace admin approves.
 */
async function linkOwner(
  services: Services,
  client: Args["client"],
  key: { teamId: string; userId: string },
  raw: string,
) {
  // Slack may auto-link an email as <mailto:a@b.c|a@b.c>.
  const email = raw
    .replace(/^<mailto:([^|>]+)(?:\|[^>]*)?>$/, "$1")
    .trim()
    .toLowerCase();
  if (!isEmail(email)) {
    return notice("Give the email address your CRM uses for you, e.g. `/coach link ann.lee@acme.com`.");
  }
  const reply = await linkEmail(services.store.deals, await profileEmail(client, key.userId), key, email);
  services.wakeDeals?.();
  return notice(reply);
}

export function coachCommand(services: Services) {
  const coach = async ({ command, respond, client, context }: Args): Promise<void> => {
    const text = command.text.trim();
    const key = { teamId: command.team_id, userId: command.user_id };
    const requestId = context.requestId as string | undefined;
    const sub = text.toLowerCase();
    // Private answers go to the command's response_url; a coaching answer is one reply (one-reply.ts).
    const reply = new OneReply(
      responseUrlWay(command.response_url, ephemeral(respond), services.logger),
      services.coacher.usesModel,
      services.logger,
      requestId,
    );
    await kindly(
      services.logger,
      requestId,
      "coach command",
      async () => {
        if (sub === "") {
          // trigger_id lives about 3 s: open the modal before anything else.
          await client.views.open({
            trigger_id: command.trigger_id,
            view: situationModal(JSON.stringify({ r: command.response_url, c: command.channel_id })) as never,
          });
          return;
        }
        if (sub === "help" || sub === "?") {
          await respond({ response_type: "ephemeral", ...helpMessage() } as never);
          return;
        }
        if (sub === "settings") {
          const user = await services.store.getUser(key);
          await client.views.open({
            trigger_id: command.trigger_id,
            view: settingsModal(
              user?.settings ?? DEFAULT_SETTINGS,
              JSON.stringify({ r: command.response_url }),
            ) as never,
          });
          return;
        }
        if (sub.startsWith("weekly default") || sub.startsWith("weekly invite")) {
          await respond({
            response_type: "ephemeral",
            ...notice(await weeklyAdmin(services, client, key, text.slice("weekly".length).trim())),
          } as never);
          return;
        }
        if (sub === "weekly skip" || sub.startsWith("weekly snooze")) {
          const how =
            sub === "weekly skip"
              ? { skip: true as const }
              : { until: text.slice("weekly snooze".length).trim() };
          await respond({
            response_type: "ephemeral",
            ...notice(await moveWeekly(services.store, key, how, new Date())),
          } as never);
          return;
        }
        if (sub === "weekly" || sub.startsWith("weekly ")) {
          const parsed = parseWeeklyCommand(text.slice("weekly".length));
          const reply =
            "error" in parsed
              ? parsed.error
              : await setWeekly(
                  services.store,
                  client,
                  key,
                  parsed.on ? { on: true, day: parsed.day, time: parsed.time } : { on: false },
                  new Date(),
                );
          await respond({ response_type: "ephemeral", ...notice(reply) } as never);
          return;
        }
        if (sub === "link" || sub.startsWith("link ")) {
          await respond({
            response_type: "ephemeral",
            ...(await linkOwner(services, client, key, text.slice(4).trim())),
          } as never);
          return;
        }
        if (sub === "nudges" || sub.startsWith("nudges ")) {
          // Plain text: the reply is one mrkdwn line, and needs no blocks.
          const reply = await nudgesCommand(services, client, key, text.slice("nudges".length));
          await respond({ response_type: "ephemeral", text: reply.text });
          return;
        }
        if (sub === "unlink") {
          const reply = await unlinkAll(services.store.deals, key);
          await respond({ response_type: "ephemeral", text: reply });
          return;
        }
        if (sub === "forget") {
          await respond({ response_type: "ephemeral", ...forgetConfirmMessage() } as never);
          return;
        }
        if (text.length > 4000) {
          await respond({
            response_type: "ephemeral",
            ...notice(
              "That's a lot to take in at once. I've read the first 4,000 characters; here is what I'd ask about them.",
            ),
          } as never);
        }
        reply.thinking();
        const { result, rendered } = await coachAndRecord(services, {
          key,
          text,
          surface: "command",
          requestId,
        });
        await reply.send(rendered);
        // Not the moment to offer a weekly routine to a rep writing about themselves (docs/person.md).
        if (!result.person) await inviteOnce(services, client, key);
        services.logger.info(
          { requestId, team: key.teamId, user: key.userId, surface: "command" },
          "coached",
        );
      },
      reply.send,
    );
  };
  return async (args: Args): Promise<void> => {
    await args.ack();
    await services.work.run(() => coach(args), busyEphemeral(args.command.response_url));
  };
}
