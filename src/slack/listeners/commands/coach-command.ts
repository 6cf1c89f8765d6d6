import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from "@slack/bolt";
import { setWeekly } from "../../../reflection/opt-in.js";
import { parseWeeklyCommand } from "../../../reflection/schedule.js";
import type { IsoWeekday } from "../../../store/types.js";
import { DEFAULT_SETTINGS } from "../../../store/types.js";
import { forgetConfirmMessage, helpMessage, notice } from "../../blocks/messages.js";
import { settingsModal, situationModal } from "../../blocks/modals.js";
import { dayLabel } from "../../blocks/settings-options.js";
import { weeklyInvitation } from "../../blocks/weekly.js";
import { coachAndRecord } from "../../coaching.js";
import { ephemeral, kindly } from "../../reply.js";
import type { Services } from "../../services.js";

// /coach [help | settings | forget | TEXT]. Ack first, always: everything slow happens after.

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

const EMAIL = /^[^\s@<>|]+@[^\s@<>|]+\.[^\s@<>|]+$/;

/** `/coach link <crm email>`: deal updates owned by that CRM email come to this user. */
async function linkOwner(services: Services, key: { teamId: string; userId: string }, raw: string) {
  // Slack may auto-link an email as <mailto:a@b.c|a@b.c>.
  const email = raw
    .replace(/^<mailto:([^|>]+)(?:\|[^>]*)?>$/, "$1")
    .trim()
    .toLowerCase();
  if (!EMAIL.test(email)) {
    return notice("Give the email address your CRM uses for you, e.g. `/coach link ann.lee@acme.com`.");
  }
  await services.store.deals.saveOwnerLink(key.teamId, email, key.userId, "link");
  const waiting = await services.store.deals.assignOwner(key.teamId, email, key.userId);
  services.wakeDeals?.();
  return notice(
    `Linked. Deal updates owned by ${email} in your CRM now come to you${waiting > 0 ? `; ${waiting} waiting nudge${waiting === 1 ? "" : "s"} will follow` : ""}.`,
  );
}

export function coachCommand(services: Services) {
  return async ({ command, ack, respond, client, context }: Args): Promise<void> => {
    await ack();
    const text = command.text.trim();
    const key = { teamId: command.team_id, userId: command.user_id };
    const requestId = context.requestId as string | undefined;
    const sub = text.toLowerCase();
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
            ...(await linkOwner(services, key, text.slice(4).trim())),
          } as never);
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
        const { rendered } = await coachAndRecord(services, { key, text, surface: "command" });
        await respond({ response_type: "ephemeral", ...rendered } as never);
        await inviteOnce(services, client, key);
        services.logger.info(
          { requestId, team: key.teamId, user: key.userId, surface: "command" },
          "coached",
        );
      },
      ephemeral(respond),
    );
  };
}
