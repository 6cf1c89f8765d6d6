import type { Store } from "../../src/store/types.js";

/**
 * Deal nudges are chosen (README "Deal nudges: your choice"): a rep who has not chosen gets a one-time
 * invitation instead of their first nudge. Tests about nudges themselves opt their reps in first.
 */
export async function optInToNudges(store: Store, teamId: string, ...userIds: string[]): Promise<void> {
  for (const userId of userIds) await store.upsertUser({ teamId, userId }, { settings: { nudges: true } });
}
