import type { DealStore } from "../store/deal-types.js";

// The deal channels a workspace admin chose (docs/architecture.md, "Journey 2"): the whole selection
// replaces the stored one, so a channel left out of it stops being read as deal updates.

/** Stores `chosen` as the workspace's deal channels; who chose is kept on the channels added. */
export async function chooseDealChannels(
  deals: Pick<DealStore, "dealChannels" | "setDealChannel">,
  teamId: string,
  chosen: readonly string[],
  by: string,
): Promise<{ added: string[]; removed: string[] }> {
  const current = await deals.dealChannels(teamId);
  const removed = current.filter((c) => !chosen.includes(c));
  const added = chosen.filter((c) => !current.includes(c));
  for (const c of removed) await deals.setDealChannel(teamId, c, false);
  for (const c of added) await deals.setDealChannel(teamId, c, true, by);
  return { added, removed };
}
