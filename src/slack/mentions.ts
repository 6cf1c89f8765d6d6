// Mentions look like "<@U0BOT1234>" or "<@U0BOT1234|deal-coach>" in message text. One fixed pattern finds
// every user mention and the bot's is picked by id: no pattern is built from the id at run time. A
// label never holds a raw "<" (Slack escapes it), and excluding it keeps the scan linear on a text of
// unclosed mentions.
const USER_MENTION = /<@([^<>|]+)(?:\|[^<>]*)?>/g;
const USER_ID = /^[UW][A-Z0-9]+$/;

export function mentions(text: string, botUserId: string | undefined): boolean {
  if (botUserId === undefined) return false;
  for (const m of text.matchAll(USER_MENTION)) if (m[1] === botUserId) return true;
  return false;
}

/** The text with every mention of the bot removed and whitespace tidied. */
export function stripMention(text: string, botUserId: string | undefined): string {
  // Without the bot's id (not known yet), any user mention goes, as it always did.
  const isBot = (id: string) => (botUserId ? id === botUserId : USER_ID.test(id));
  return text
    .replace(USER_MENTION, (tag: string, id: string) => (isBot(id) ? " " : tag))
    .replace(/\s+/g, " ")
    .trim();
}
