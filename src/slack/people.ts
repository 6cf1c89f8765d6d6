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

/**
 * The Slack user whose profile carries this e-mail (users.lookupByEmail), or undefined when nobody's
 * does or Slack won't say (no users:read.email): then the admin's judgement is all there is.
 */
export async function slackUserByEmail(client: WebClient, email: string): Promise<string | undefined> {
  try {
    const found = await client.users.lookupByEmail({ email });
    return found.user?.id && !found.user.is_bot && !found.user.deleted ? found.user.id : undefined;
  } catch (err) {
    const code = (err as { data?: { error?: string } }).data?.error;
    if (code === "users_not_found" || code === "missing_scope") return undefined;
    throw err;
  }
}
