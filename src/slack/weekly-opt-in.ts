import type { WebClient } from "@slack/web-api";
import * as optIn from "../reflection/opt-in.js";
import { describeNext } from "../reflection/schedule.js";
import type { Store, UserKey } from "../store/types.js";

// The weekly opt-in as Slack's surfaces use it (/coach weekly, App Home, the settings modal, the buttons
// on a prompt): reads the user's timezone from users.info, applies the change through
// src/reflection/opt-in.ts, and words what happened as the short private confirmation, which says when
// the next prompt comes in the user's local time (docs/architecture.md "Layers").

/** The profile timezone port over users.info; undefined when Slack could not be asked. */
export function profileZone(client: WebClient): optIn.ProfileZone {
  return async (key) => {
    try {
      const info = await client.users.info({ user: key.userId });
      return { tz: info.user?.tz ?? null, isBot: info.user?.is_bot === true };
    } catch {
      return undefined;
    }
  };
}

const nextOf = (at: optIn.NextPrompt, now: Date) => describeNext(at.next, at.zone, now);

export function setWeeklyWords(outcome: optIn.SetWeeklyOutcome, now: Date): string {
  if (outcome.kind === "off")
    return "Weekly reflection is off. Nothing more will come; `/coach weekly on` brings it back.";
  return `Weekly reflection is on: one private question about your week, by DM. The next one comes ${nextOf(outcome, now)}. Your answers stay yours.`;
}

export function pauseWeeklyWords(outcome: optIn.PauseWeeklyOutcome, now: Date): string {
  return `Paused for ${outcome.weeks} weeks. The next question comes ${nextOf(outcome, now)}.`;
}

export function moveWeeklyWords(outcome: optIn.MoveWeeklyOutcome, now: Date): string {
  switch (outcome.kind) {
    case "not_on":
      return "Weekly reflection is off; `/coach weekly on` turns it on.";
    case "not_a_date":
      return "Give a date: `/coach weekly snooze 2026-12-31`.";
    case "no_such_date":
      return "Give a real date: `/coach weekly snooze 2026-12-31`.";
    case "skipped":
      return `Skipping one week. The next question comes ${nextOf(outcome, now)}.`;
    case "snoozed":
      return `Snoozed until ${outcome.until}. The next question comes ${nextOf(outcome, now)}.`;
  }
}

/** Turns the weekly prompt on or off; the confirmation to show. Without a client the stored zone is used. */
export async function setWeekly(
  store: Store,
  client: WebClient | undefined,
  key: UserKey,
  change: optIn.WeeklyChange,
  now: Date,
): Promise<string> {
  const outcome = await optIn.setWeekly(store, client && profileZone(client), key, change, now);
  return setWeeklyWords(outcome, now);
}

/** Pauses the weekly prompt for `weeks` weeks; the confirmation to show. */
export async function pauseWeekly(store: Store, key: UserKey, weeks: number, now: Date): Promise<string> {
  return pauseWeeklyWords(await optIn.pauseWeekly(store, key, weeks, now), now);
}

/** `/coach weekly skip` and `/coach weekly snooze YYYY-MM-DD`; the confirmation to show. */
export async function moveWeekly(
  store: Store,
  key: UserKey,
  how: { skip: true } | { until: string },
  now: Date,
): Promise<string> {
  return moveWeeklyWords(await optIn.moveWeekly(store, key, how, now), now);
}
