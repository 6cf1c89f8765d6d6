import type { Kysely } from "kysely";
import type { Database } from "./schema.js";
import type { UserKey } from "./types.js";

export interface UserStats {
  asked: number;
  answered: number;
  helpful: number;
  notHelpful: number;
}

/** Questions asked, reflections written and verdicts given by one user, in one round trip. */
export async function countUserActivity(db: Kysely<Database>, key: UserKey): Promise<UserStats> {
  const ofUser = { team_id: key.teamId, user_id: key.userId };
  const row = await db
    .selectNoFrom((eb) => [
      eb
        .selectFrom("asked_questions")
        .select((sub) => sub.fn.countAll().as("n"))
        .where((sub) => sub.and(ofUser))
        .as("asked"),
      eb
        .selectFrom("reflections")
        .select((sub) => sub.fn.countAll().as("n"))
        .where((sub) => sub.and(ofUser))
        .as("answered"),
      eb
        .selectFrom("feedback")
        .select((sub) => sub.fn.countAll().filterWhere("helpful", "=", true).as("n"))
        .where((sub) => sub.and(ofUser))
        .as("helpful"),
      eb
        .selectFrom("feedback")
        .select((sub) => sub.fn.countAll().filterWhere("helpful", "=", false).as("n"))
        .where((sub) => sub.and(ofUser))
        .as("not_helpful"),
    ])
    .executeTakeFirstOrThrow();
  // count(*) is bigint, which pg hands over as a string.
  return {
    asked: Number(row.asked ?? 0),
    answered: Number(row.answered ?? 0),
    helpful: Number(row.helpful ?? 0),
    notHelpful: Number(row.not_helpful ?? 0),
  };
}
