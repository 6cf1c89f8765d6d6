import type { WebClient } from "@slack/web-api";
import type { ProfileEmail } from "../deals/links.js";

// What Slack says about a person, asked afresh on every use: an admin demoted a minute ago is no admin
// now, so no answer here is cached.

/** Whether the user is a workspace admin, owner or primary owner (users.info); false when Slack can't say. */
export async function isWorkspaceAdmin(client: WebClient, userId: string): Promise<boolean> {
  try {
    const info = await client.users.info({ user: userId });
    const u = info.user;
    return Boolean(!u?.deleted && (u?.is_admin || u?.is_owner || u?.is_primary_owner));
  } catch {
    return false;
  }
}

/**
 * The user's Slack profile e-mail. Slack leaves `profile.email` out when the app lacks the
 * users:read.email scope (and for bots); with the scope a person always has one, so "hidden" covers both.
 */
export async function profileEmail(client: WebClient, userId: string): Promise<ProfileEmail> {
  const info = await client.users.info({ user: userId });
  const email = info.user?.profile?.email?.trim().toLowerCase();
  return email ? { email } : { hidden: true };
}
