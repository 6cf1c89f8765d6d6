import type { Store, UserKey } from "../store/types.js";
import { chooseNudges, type NudgeChoiceReply } from "./nudge-choice.js";

// `/coach nudges on|off`: the rep's own choice. `/coach nudges default on|off`: admins only (asked afresh
// on every use), makes nudges on by default for reps who have not chosen. Returns what happened; Slack
// words it.

export type NudgesOutcome =
  | { kind: "chosen"; reply: NudgeChoiceReply }
  | { kind: "not-admin" }
  | { kind: "default-set"; on: boolean }
  | { kind: "usage" };

/** `rest` is what follows `/coach nudges`. */
export async function nudgesCommand(
  deps: { store: Store; isAdmin(userId: string): Promise<boolean> },
  key: UserKey,
  rest: string,
  now: Date,
): Promise<NudgesOutcome> {
  const words = rest.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 1 && (words[0] === "on" || words[0] === "off")) {
    return { kind: "chosen", reply: await chooseNudges(deps.store, key, words[0] === "on", now) };
  }
  if (words.length === 2 && words[0] === "default" && (words[1] === "on" || words[1] === "off")) {
    if (!(await deps.isAdmin(key.userId))) return { kind: "not-admin" };
    const on = words[1] === "on";
    await deps.store.deals.setNudgesDefaultOn(key.teamId, on);
    return { kind: "default-set", on };
  }
  return { kind: "usage" };
}
