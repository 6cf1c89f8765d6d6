import type { DealStore } from "../store/deal-types.js";
import { type LinkKey, linkEmail, type ProfileEmail } from "./links.js";

// `/coach link <crm email>`: deal updates owned by that CRM e-mail come to this user, at once when it is
// their own Slack profile e-mail, otherwise once a workspace admin approves (links.ts decides which).

// A local part, "@", and a domain with a dot that has a character on each side. The dot is found by
// indexOf: `@[^\s@<>|]+\.[^\s@<>|]+$` tried every dot against the rest of the text (quadratic on "a@....").
const EMAIL_PARTS = /^[^\s@<>|]+@([^\s@<>|]+)$/;
// Slack may auto-link an e-mail as <mailto:a@b.c|a@b.c>.
const MAILTO = /^<mailto:([^|>]+)(?:\|[^>]*)?>$/;

function isEmail(text: string): boolean {
  const domain = EMAIL_PARTS.exec(text)?.[1];
  return domain?.slice(1, -1).includes(".") === true;
}

export const LINK_USAGE =
  "Give the email address your CRM uses for you, e.g. `/coach link ann.lee@acme.com`.";

/**
 * `raw` is what follows `/coach link`. The reply to show, and whether an e-mail was taken up (a link
 * made or asked for, so waiting deals may now have an owner to nudge).
 */
export async function linkCommand(
  deals: DealStore,
  profile: () => Promise<ProfileEmail>,
  key: LinkKey,
  raw: string,
): Promise<{ reply: string; tried: boolean }> {
  const email = raw.replace(MAILTO, "$1").trim().toLowerCase();
  if (!isEmail(email)) return { reply: LINK_USAGE, tried: false };
  return { reply: await linkEmail(deals, await profile(), key, email), tried: true };
}
