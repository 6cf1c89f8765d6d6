import type { DealStore } from "../store/deal-types.js";
import type { FindUserByEmail } from "./messenger.js";

// CRM owner email -> Slack user. A confirmed link (the user's own profile e-mail, or approved by an
// admin) wins; otherwise the workspace's directory (`findUser`: users.lookupByEmail, in src/slack/),
// cached as a "lookup" link, unless that user unlinked the e-mail. An email that maps to nobody returns null: the nudge waits rather than go to the wrong person.
// Someone who used /coach forget is not looked up or linked again (README "Forget"): null, and an e-mail
// a lookup finds to be theirs is suppressed as well.

export async function resolveOwner(
  deals: DealStore,
  findUser: FindUserByEmail,
  teamId: string,
  email: string,
): Promise<string | null> {
  const known = await deals.ownerLink(teamId, email);
  if (known) return known.userId;
  if (await deals.isForgotten(teamId, { email })) return null;
  const userId = await findUser(teamId, email);
  if (!userId) return null;
  if (await deals.links.isUnlinked(teamId, email, userId)) return null;
  if (await deals.isForgotten(teamId, { userId })) {
    await deals.forgetEmail(teamId, email);
    return null;
  }
  await deals.saveOwnerLink(teamId, email, userId, "lookup");
  return userId;
}
