import type { CoachQuestion } from "../coaching/coach.js";
import type { DealSource } from "../domain/deal-update.js";

// What the nudge sender says, as models rather than Slack blocks, and the port it says them through.
// deals/ decides what to say and when; src/slack/nudge-messenger.ts renders these models into Block
// Kit and posts them (docs/architecture.md "Layers"). Keeping Slack out of deals/ lets the exactly-once
// rules here be read (and tested) without the Web API.

/** The nudge itself: the deal line, its questions, and the deal its buttons act on. */
export interface NudgeMessage {
  kind: "nudge";
  dealName: string;
  /** What changed, a fact ("Moved to Negotiation"). */
  summary: string;
  questions: readonly CoachQuestion[];
  /** The deal that Snooze and Mute act on. */
  source: DealSource;
  dealId: string;
  /** The rep's first nudge under their workspace's default-on: say so, and offer Stop. */
  defaultOnNotice: boolean;
}

/** The one-time invitation sent in place of a rep's first nudge, naming the deal that waits. */
export interface NudgeInvitationMessage {
  kind: "invitation";
  dealName: string;
  summary: string;
}

export type NudgeOutgoing = NudgeMessage | NudgeInvitationMessage;

/** Where a nudge goes: the rep's DM, or a deal channel's thread. */
export interface NudgePlace {
  userId: string;
  channel?: string;
  threadTs?: string;
}

export interface NudgeMessenger {
  /** Posts the message, carrying the nudge's id and the message's kind so that `alreadyPosted` finds it. */
  post(teamId: string, place: NudgePlace, nudgeId: string, message: NudgeOutgoing): Promise<void>;
  /** Whether a post of this nudge and kind is at the place already, posted no earlier than `since`. */
  alreadyPosted(
    teamId: string,
    place: NudgePlace,
    nudgeId: string,
    kind: NudgeOutgoing["kind"],
    since: Date,
  ): Promise<boolean>;
}

/**
 * The chat user with this e-mail: their id, or null when there is none, or it is a bot or a deactivated
 * account. Rejects when the directory could not be asked (the caller retries later).
 */
export type FindUserByEmail = (teamId: string, email: string) => Promise<string | null>;
