// Mentions look like "<@U0BOT1234>" or "<@U0BOT1234|deal-coach>" in message text.

export function mentions(text: string, botUserId: string | undefined): boolean {
  return botUserId !== undefined && new RegExp(`<@${botUserId}(?:\\|[^>]*)?>`).test(text);
}

/** The text with every mention of the bot removed and whitespace tidied. */
export function stripMention(text: string, botUserId: string | undefined): string {
  const pattern = botUserId
    ? new RegExp(`<@${botUserId}(?:\\|[^>]*)?>`, "g")
    : /<@[UW][A-Z0-9]+(?:\|[^>]*)?>/g;
  return text.replace(pattern, " ").replace(/\s+/g, " ").trim();
}
