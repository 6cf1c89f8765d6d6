import type { NudgeIntroKind } from "../store/deal-types.js";
import type { Store, UserKey } from "../store/types.js";

// Deal nudges are chosen (README "Deal nudges: your choice"). A rep who has not chosen gets, in place of
// their first nudge, a one-time invitation (Keep them coming / No thanks), and nothing more until they
// choose; nudges raised meanwhile are held. When a workspace admin made nudges on by default, the first
// nudge is sent and says so, with Stop.

/** What a rep's nudges do now. */
export type NudgeChoice = "on" | "off" | "default_on" | "unchosen";

export function nudgeChoice(setting: boolean | null | undefined, workspaceDefaultOn: boolean): NudgeChoice {
  if (setting === true) return "on";
  if (setting === false) return "off";
  return workspaceDefaultOn ? "default_on" : "unchosen";
}

/** The one-time introduction a nudge must carry for this choice, if any. */
export function introFor(choice: NudgeChoice): NudgeIntroKind | undefined {
  if (choice === "unchosen") return "invitation";
  if (choice === "default_on") return "notice";
  return undefined;
}

/** What the sender does with a due nudge once quiet hours, caps, snooze and mute let it go. */
export type NudgeIntent =
  | { kind: "skip" }
  | { kind: "post"; notice: boolean }
  | { kind: "invite" }
  | { kind: "hold" };

/**
 * `ownsIntro`: whether this nudge holds the rep's introduction claim (see DealStore.claimNudgeIntro).
 * The invitation goes in place of the nudge, which is then held; a nudge that finds the invitation taken
 * by another is held too, so "nothing more until they choose" holds whatever the order of senders.
 */
export function nudgeIntent(choice: NudgeChoice, ownsIntro: boolean): NudgeIntent {
  switch (choice) {
    case "off":
      return { kind: "skip" };
    case "on":
      return { kind: "post", notice: false };
    case "default_on":
      return { kind: "post", notice: ownsIntro };
    case "unchosen":
      return ownsIntro ? { kind: "invite" } : { kind: "hold" };
  }
}

/**
 * Held nudges younger than this follow a "Keep them coming"; older ones are dropped. A question about a
 * change of three days ago still fits the deal; one about last month's would only confuse.
 */
export const FRESH_MS = 3 * 24 * 60 * 60 * 1000;

/** What the rep is told after choosing. */
export interface NudgeChoiceReply {
  on: boolean;
  /** Held nudges that now follow. */
  released: number;
}

/**
 * The rep's choice, from the invitation, Stop, App Home, the settings modal or `/coach nudges on|off`:
 * stored, then the held nudges follow (the fresh ones) or are dropped.
 */
export async function chooseNudges(
  store: Store,
  key: UserKey,
  on: boolean,
  now: Date,
): Promise<NudgeChoiceReply> {
  await store.upsertUser(key, { settings: { nudges: on } });
  const released = await store.deals.settleHeldNudges(
    key.teamId,
    key.userId,
    on,
    new Date(now.getTime() - FRESH_MS),
  );
  return { on, released };
}

/**
 * After a nudge was held: had the rep chosen between the sender's read and its hold, the choice would
 * have settled the held nudges before this one joined them. Settling again here catches it (the choice
 * is written before it settles, and the hold before this read, so one of the two sees the other).
 */
export async function settleIfChosen(store: Store, key: UserKey, now: Date): Promise<void> {
  const user = await store.getUser(key);
  const chosen = user?.settings.nudges;
  if (chosen === true || chosen === false)
    await store.deals.settleHeldNudges(key.teamId, key.userId, chosen, new Date(now.getTime() - FRESH_MS));
}
