import type { WeeklyPrompt } from "./prompt.js";

// What the weekly sender says, as models rather than Slack blocks, and the port it says them through.
// reflection/ decides what to ask and when; src/slack/weekly-messenger.ts renders the models into Block
// Kit and posts them (docs/architecture.md "Layers").

/** One weekly DM: the week's reflection, or (after 3 unanswered weeks) whether to keep them coming. */
export type WeeklyOutgoing =
  | { kind: "prompt"; prompt: WeeklyPrompt; week: string }
  | { kind: "keep_going"; week: string };

/** Where a weekly DM landed. */
export interface WeeklyPosted {
  channel?: string;
  ts?: string;
}

export interface WeeklyMessenger {
  /**
   * The DMs of one workspace. Rejects when the workspace cannot be posted to (not installed); asked
   * before the prompt is composed or paced, so the paced slot holds only the post itself.
   */
  workspace(teamId: string): Promise<WorkspaceDms>;
}

export interface WorkspaceDms {
  /**
   * Posts the DM to the rep, carrying its ISO week so that `findSent` finds it. A rate-limited call
   * rejects at once with RateLimited (the pacer pauses the workspace and tries again).
   */
  post(userId: string, message: WeeklyOutgoing): Promise<WeeklyPosted>;
  /** The DM of this rep and week, if one was posted since `since` (a send picked up after a crash); may reject with RateLimited. */
  findSent(userId: string, week: string, since: Date): Promise<{ channel: string; ts: string } | undefined>;
}

/** The chat service refused a call for its rate limit: the workspace waits `retryAfterSec`, then tries again. */
export class RateLimited extends Error {
  constructor(readonly retryAfterSec: number) {
    super(`rate limited; retry after ${retryAfterSec} s`);
    this.name = "RateLimited";
  }
}
