import type { DealStore } from "../store/deal-types.js";

// Linking a CRM e-mail to a Slack user (README "Linking your CRM e-mail"). Deal nudges carry deal
// names, amounts and CRM notes, so an e-mail links at once only when it is the caller's own Slack
// profile e-mail; any other e-mail is a request that a workspace admin approves or declines in App Home.
// A confirmed link is never replaced by someone else's. Decides what to say; Slack delivers it.

/** What Slack says about a user's profile e-mail. "hidden": Slack didn't say (no users:read.email). */
export type ProfileEmail = { email: string } | { hidden: true };

export interface LinkKey {
  teamId: string;
  userId: string;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

const takenText = (email: string) =>
  `${email} is already linked to someone else in this workspace, and I never move a link away from the person who holds it. If it's yours, ask them to run \`/coach unlink\`, or ask a workspace admin to sort it out.`;

/** `/coach link EMAIL`: links at once for the caller's own profile e-mail, otherwise asks an admin. */
export async function linkEmail(
  deals: DealStore,
  profile: ProfileEmail,
  key: LinkKey,
  email: string,
): Promise<string> {
  if ("email" in profile && profile.email.toLowerCase() === email) {
    const result = await deals.links.claim(key.teamId, email, key.userId, "link");
    if (result === "taken") return takenText(email);
    if (result === "already") return `Already linked: deal updates owned by ${email} come to you.`;
    const waiting = await deals.assignOwner(key.teamId, email, key.userId);
    return `Linked. Deal updates owned by ${email} in your CRM now come to you${waiting > 0 ? `; ${plural(waiting, "waiting nudge", "waiting nudges")} will follow` : ""}.`;
  }
  const existing = await deals.ownerLink(key.teamId, email);
  if (existing && existing.origin !== "lookup") {
    return existing.userId === key.userId
      ? `Already linked: deal updates owned by ${email} come to you.`
      : takenText(email);
  }
  const isNew = await deals.links.request(key.teamId, email, key.userId);
  const why =
    "hidden" in profile
      ? "I can't read e-mail addresses from Slack profiles in this workspace (the app lacks the `users:read.email` permission), so"
      : `${email} isn't the e-mail on your Slack profile, so`;
  if (!isNew)
    return `Your request to link ${email} is already waiting for a workspace admin. I'll tell you here when they decide.`;
  return `Asked a workspace admin. ${why} an admin approves the link in Deal Coach's Home tab, because deal updates can hold private details. I'll tell you here when they decide; until then, deal updates owned by ${email} don't come to you.`;
}

export interface Decision {
  /** For the admin who decided. */
  admin: string;
  /** For the rep who asked, by DM; absent when there was nothing to decide. */
  requester?: string;
}

/** An admin's Approve or Decline on a request (the caller has checked, with Slack, that they are one). */
export async function decideLink(
  deals: DealStore,
  teamId: string,
  request: { email: string; userId: string },
  approve: boolean,
  /** The Slack user whose profile carries the e-mail, when Slack says. */
  profileOwner?: string,
): Promise<Decision> {
  const { email, userId } = request;
  const handled = {
    admin: `The request from <@${userId}> to link ${email} was already handled or withdrawn.`,
  };
  if (approve && profileOwner && profileOwner !== userId) {
    // Slack itself says whose e-mail this is: no approval hands their deals to someone else.
    if (!(await deals.links.decline(teamId, email, userId))) return handled;
    return {
      admin: `${email} is on another person's Slack profile, so it can't be linked to <@${userId}>; the request was declined.`,
      requester: `Your request to link ${email} couldn't be approved: it is the e-mail on another person's Slack profile.`,
    };
  }
  if (!approve) {
    if (!(await deals.links.decline(teamId, email, userId))) return handled;
    return {
      admin: `Declined: ${email} is not linked to <@${userId}>.`,
      requester: `A workspace admin declined your request to link ${email}, so deal updates owned by it won't come to you. If that's a mistake, talk to your Slack admin.`,
    };
  }
  const result = await deals.links.approve(teamId, email, userId);
  if (result === "missing") return handled;
  if (result === "taken") {
    return {
      admin: `${email} is already linked to someone else, so the request from <@${userId}> was declined. Links are never moved away from the person who holds them.`,
      requester: `Your request to link ${email} couldn't be approved: it is already linked to someone else in this workspace.`,
    };
  }
  const waiting = await deals.assignOwner(teamId, email, userId);
  return {
    admin: `Approved: deal updates owned by ${email} now go to <@${userId}>.`,
    requester: `A workspace admin approved your link. Deal updates owned by ${email} in your CRM now come to you${waiting > 0 ? `; ${plural(waiting, "waiting nudge", "waiting nudges")} will follow` : ""}.`,
  };
}

/** `/coach unlink`: every link of the caller goes, with their waiting requests. */
export async function unlinkAll(deals: DealStore, key: LinkKey): Promise<string> {
  const gone = await deals.links.unlink(key.teamId, key.userId);
  if (gone.emails.length === 0 && gone.requests === 0)
    return "You have no linked CRM e-mail, so there was nothing to unlink.";
  const parts: string[] = [];
  if (gone.emails.length > 0)
    parts.push(
      `Unlinked ${gone.emails.join(", ")}: deal updates owned by ${gone.emails.length === 1 ? "it" : "them"} no longer come to you, and I won't link ${gone.emails.length === 1 ? "it" : "them"} to you again unless you run \`/coach link\`.`,
    );
  if (gone.nudges > 0)
    parts.push(
      `${plural(gone.nudges, "unsent nudge waits", "unsent nudges wait")} for the deal's owner instead.`,
    );
  if (gone.requests > 0)
    parts.push(`Withdrew ${plural(gone.requests, "request", "requests")} waiting for an admin.`);
  return parts.join(" ");
}
