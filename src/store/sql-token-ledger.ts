import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.js";
import type { TokenLedger } from "./types.js";

/** Days of counts kept: today's is the one read; a week back shows what a team spends, nothing more. */
const KEEP_DAYS = 7;

export function sqlTokenLedger(db: Kysely<Database>): TokenLedger {
  return {
    async spent(teamId, day) {
      const row = await db
        .selectFrom("llm_usage")
        .select("tokens")
        .where("team_id", "=", teamId)
        .where("day", "=", day)
        .executeTakeFirst();
      return row ? Number(row.tokens) : 0;
    },
    async add(teamId, day, tokens) {
      if (!(tokens > 0)) return;
      // One statement adds, so concurrent replies never lose each other's count.
      await db
        .insertInto("llm_usage")
        .values({ team_id: teamId, day, tokens: Math.ceil(tokens) })
        .onConflict((oc) =>
          oc.columns(["team_id", "day"]).doUpdateSet({ tokens: sql`llm_usage.tokens + excluded.tokens` }),
        )
        .execute();
      await db
        .deleteFrom("llm_usage")
        .where("team_id", "=", teamId)
        .where(sql`day`, "<", sql`${day}::date - ${KEEP_DAYS}::int`)
        .execute();
    },
  };
}
