import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

// processed_events only has to outlive Slack's retries (minutes), so rows older than a day are
// deleted at open and after every PRUNE_EVERY claims of one process. This deduplicates deliveries;
// it is not a record that something was done, kept for longer (weekly DMs need their own keys).
const RETENTION_MS = 24 * 60 * 60 * 1000;
const PRUNE_EVERY = 500;

/** Delivery ids already seen (Slack event_id, channel+ts). */
export class ProcessedEvents {
  #claimsSincePrune = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date,
  ) {}

  /** True on an id's first sighting. One statement, so of concurrent deliveries exactly one wins. */
  async claim(id: string): Promise<boolean> {
    const claimed = await this.db
      .insertInto("processed_events")
      .values({ id, seen_at: this.now() })
      .onConflict((oc) => oc.column("id").doNothing())
      .returning("id")
      .executeTakeFirst();
    if (++this.#claimsSincePrune >= PRUNE_EVERY) await this.prune();
    return claimed !== undefined;
  }

  async prune(): Promise<void> {
    this.#claimsSincePrune = 0;
    const cutoff = new Date(this.now().getTime() - RETENTION_MS);
    await this.db.deleteFrom("processed_events").where("seen_at", "<", cutoff).execute();
  }
}
