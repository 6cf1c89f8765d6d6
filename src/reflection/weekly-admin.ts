import type { IsoWeekday, Store, UserKey } from "../store/types.js";
import { parseWeeklyCommand } from "./schedule.js";

// What a workspace admin may change about the weekly reflection from `/coach weekly default ...` and
// `/coach weekly invite #channel`: the workspace's default day and time, and a one-time invitation to a
// channel's members, each of whom still opts in or not. Returns what happened; Slack words it.

/** What the workspace says about its people, asked afresh on every use (an admin demoted a minute ago is none). */
export interface WorkspacePeople {
  isAdmin(userId: string): Promise<boolean>;
  /** The channel's member ids (the first 1,000). */
  members(channel: string): Promise<string[]>;
  /** False for bots and deactivated accounts; true when Slack can't say (the invitation is still sent). */
  isPerson(userId: string): Promise<boolean>;
}

/** The part of the store these read and write. */
export type WeeklyAdminStore = Pick<Store, "getUser"> & {
  weekly: Pick<Store["weekly"], "markInvited" | "setWorkspaceDefaults" | "workspaceDefaults">;
};

export type WeeklyAdminOutcome =
  | { kind: "not-admin" }
  | { kind: "default-usage" }
  | { kind: "default-set"; day?: IsoWeekday; time?: string }
  | { kind: "invite-usage" }
  | { kind: "invited"; channel: string; count: number };

// A channel as Slack writes it in a command (<#C123|name>), or a bare channel id.
const CHANNEL_LINK = /<#([CG][A-Z0-9]+)(?:\|[^<>]*)?>/;
const CHANNEL_ID = /\b([CG][A-Z0-9]{6,})\b/;

/** `rest` is what follows `/coach weekly`: "default fri 15:00" or "invite #channel". */
export async function weeklyAdmin(
  deps: { store: WeeklyAdminStore; people: WorkspacePeople; invite(userId: string): Promise<void> },
  key: UserKey,
  rest: string,
): Promise<WeeklyAdminOutcome> {
  const { store, people } = deps;
  if (!(await people.isAdmin(key.userId))) return { kind: "not-admin" };
  if (rest.startsWith("default")) {
    const parsed = parseWeeklyCommand(`on ${rest.slice("default".length)}`);
    if ("error" in parsed || !parsed.on || (!parsed.day && !parsed.time)) return { kind: "default-usage" };
    await store.weekly.setWorkspaceDefaults(key.teamId, { day: parsed.day, time: parsed.time });
    return { kind: "default-set", day: parsed.day, time: parsed.time };
  }
  const channel = rest.match(CHANNEL_LINK)?.[1] ?? rest.match(CHANNEL_ID)?.[1];
  if (!channel) return { kind: "invite-usage" };
  let count = 0;
  for (const userId of await people.members(channel)) {
    const member = { teamId: key.teamId, userId };
    const user = await store.getUser(member);
    // Marked before the person check: someone already invited (or a bot) is never asked twice.
    if (user?.settings.weekly.enabled || !(await store.weekly.markInvited(member))) continue;
    if (!(await people.isPerson(userId))) continue;
    await deps.invite(userId);
    count++;
  }
  return { kind: "invited", channel, count };
}

/**
 * The one invitation to the weekly reflection after a rep first uses /coach: never repeated, whether they
 * answer it or not, and never to someone already opted in. `invite` gets the workspace's default day and
 * time, when it has them, to offer.
 */
export async function inviteOnce(
  store: WeeklyAdminStore,
  key: UserKey,
  invite: (when: { day?: IsoWeekday; time?: string }) => Promise<void>,
): Promise<boolean> {
  const user = await store.getUser(key);
  if (user?.settings.weekly.enabled) return false;
  if (!(await store.weekly.markInvited(key))) return false;
  const defaults = await store.weekly.workspaceDefaults(key.teamId);
  // A day of 0 (or none) means the workspace chose no day.
  await invite({
    day: defaults.day ? (defaults.day as IsoWeekday) : undefined,
    time: defaults.time ?? undefined,
  });
  return true;
}
