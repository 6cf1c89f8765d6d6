import type { WebClient } from "@slack/web-api";
import type { WeeklyAdminOutcome, WorkspacePeople } from "../../../reflection/weekly-admin.js";
import type { IsoWeekday } from "../../../store/types.js";
import { dayLabel } from "../../blocks/settings-options.js";
import { weeklyInvitation } from "../../blocks/weekly.js";
import { isWorkspaceAdmin } from "../../people.js";

// The Slack side of the weekly admin commands and the one-time invitation: who is who (asked of Slack on
// every use), the invitation DM, and the words for each outcome.

export function workspacePeople(client: WebClient): WorkspacePeople {
  return {
    isAdmin: (userId) => isWorkspaceAdmin(client, userId),
    async members(channel) {
      const members = await client.conversations.members({ channel, limit: 1000 });
      return members.members ?? [];
    },
    async isPerson(userId) {
      const profile = await client.users.info({ user: userId }).catch(() => undefined);
      return !(profile?.user?.is_bot || profile?.user?.deleted);
    },
  };
}

/** Sends the weekly invitation by DM, offering the given day and time when there are any. */
export const inviteWithDefaults =
  (client: WebClient, userId: string) =>
  async (when: { day?: IsoWeekday; time?: string }): Promise<void> => {
    await client.chat.postMessage({
      channel: userId,
      ...weeklyInvitation({ day: when.day ? dayLabel(when.day) : undefined, time: when.time }),
    });
  };

export function weeklyAdminReply(outcome: WeeklyAdminOutcome): string {
  switch (outcome.kind) {
    case "not-admin":
      return "Only workspace admins can do that.";
    case "default-usage":
      return "Try `/coach weekly default fri 15:00`.";
    case "default-set":
      return `The workspace default is now ${outcome.day ? dayLabel(outcome.day) : "unchanged day"}${outcome.time ? ` at ${outcome.time}` : ""}, in each rep's own timezone. It applies to reps who opt in without choosing.`;
    case "invite-usage":
      return "Try `/coach weekly invite #channel`.";
    case "invited":
      return `Invited ${outcome.count} member${outcome.count === 1 ? "" : "s"} of <#${outcome.channel}> (people already invited or opted in are skipped). Each decides for themselves.`;
  }
}
