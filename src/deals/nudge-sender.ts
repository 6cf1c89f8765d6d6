import type { Library } from "../coaching/library.js";
import { isStage, isTheme } from "../coaching/taxonomy.js";
import type { Coacher } from "../llm/coacher.js";
import { coachSteadily } from "../llm/steady.js";
import type { Logger } from "../logger.js";
import type { NudgeRow } from "../store/deal-types.js";
import type { Store } from "../store/types.js";
import { forEachLimit } from "./limit.js";
import type { NudgeMessenger, NudgeOutgoing, NudgePlace } from "./messenger.js";
import { introFor, nudgeChoice, nudgeIntent, settleIfChosen } from "./nudge-choice.js";
import { countingWindows, decideNudge, type NudgePolicy } from "./policy.js";

// Sends due nudges: respects the rep's choice of nudges, mute and snooze, then the policy (quiet hours and weekends in
// the user's own timezone, daily and weekly caps), which defers a nudge and never drops it.
// Exactly once across a crash: the nudge is marked as being posted before the Web API call and the
// message carries the nudge's id in its metadata; a marked nudge leased again (the process died between
// posting and recording it) is first looked for where it would have been posted. What is said is a
// model (messenger.ts); the messenger renders and posts it.
// Nudges are chosen (nudge-choice.ts): a rep who has not chosen gets, in place of this nudge, the one-time
// invitation, posted the same exactly-once way under this nudge's id, and the nudge is held.
// The questions come from the coacher (docs/replies.md) before the nudge is marked or posted, and outside
// any transaction; a coacher slow enough to use up most of the lease leaves the nudge to its next lease.

export interface NudgeSenderDeps {
  store: Store;
  library: Library;
  /** Where the nudge's questions come from. */
  coacher: Coacher;
  /** How long to wait for the coacher before the library answers (DEFAULT_PATIENCE_MS). */
  coachPatienceMs?: number;
  logger: Logger;
  now: () => Date;
  policy: NudgePolicy;
  /** Posts nudges and invitations, and finds them again after a crash. */
  messenger: NudgeMessenger;
  /** How long a claimed nudge is held before another pass may take it (default a minute). */
  leaseMs?: number;
}

const DEFAULT_LEASE_MS = 60_000;
/** A nudge is marked and posted only within this share of its lease, so never after another pass took it. */
const LEASE_SAFE_SHARE = 0.8;
const PARALLEL = 4;
export class NudgeSender {
  constructor(private readonly deps: NudgeSenderDeps) {}

  async sendDue(limit = 50): Promise<number> {
    const leaseMs = this.deps.leaseMs ?? DEFAULT_LEASE_MS;
    const due = await this.deps.store.deals.claimDueNudges(limit, leaseMs);
    const safeUntil = Date.now() + leaseMs * LEASE_SAFE_SHARE;
    // Different people's nudges go out side by side; one person's go one after another, so the daily and
    // weekly caps are counted against what was really sent.
    const byUser = new Map<string, NudgeRow[]>();
    for (const nudge of due) {
      const key = `${nudge.teamId}:${nudge.userId}`;
      byUser.set(key, [...(byUser.get(key) ?? []), nudge]);
    }
    await forEachLimit([...byUser.values()], PARALLEL, async (nudges) => {
      for (const nudge of nudges) {
        try {
          await this.handle(nudge, safeUntil);
        } catch (err) {
          // Leave it leased: it becomes due again when the lease expires, and is retried then.
          this.deps.logger.warn(
            { nudge: nudge.id, err: { message: (err as Error).message } },
            "nudge failed; will retry",
          );
        }
      }
    });
    return due.length;
  }

  /** `safeUntil`: wall-clock ms after which this pass's lease on the nudge may lapse before a post lands. */
  private async handle(nudge: NudgeRow, safeUntil: number): Promise<void> {
    const { store, now } = this.deps;
    const deals = store.deals;
    if (!nudge.userId)
      return deals.deferNudge(nudge.id, new Date(now().getTime() + DEFAULT_LEASE_MS), "no owner");
    const userId = nudge.userId;
    const key = { teamId: nudge.teamId, userId };
    const user = await store.getUser(key);
    const choice = nudgeChoice(user?.settings.nudges, await deals.nudgesDefaultOn(nudge.teamId));
    if (nudge.postingAt) {
      // Until the rep chooses, this nudge's post was its invitation; once they chose, it is the nudge.
      const kind =
        choice === "unchosen" && (await deals.nudgeIntro(nudge.teamId, userId))?.inviteNudgeId === nudge.id
          ? "invitation"
          : "nudge";
      if (await this.alreadyPosted(nudge, userId, kind)) {
        this.deps.logger.info(
          { nudge: nudge.id, kind },
          "nudge was posted before a restart; not posting again",
        );
        return kind === "invitation" ? this.hold(nudge, userId) : deals.finishNudge(nudge.id, "sent");
      }
    }
    if (choice === "off") return deals.finishNudge(nudge.id, "skipped", "nudges off");
    const pref = await deals.dealPref(nudge.teamId, userId, nudge.source, nudge.dealId);
    if (pref.muted) return deals.finishNudge(nudge.id, "skipped", "deal muted");
    if (pref.snoozedUntil && pref.snoozedUntil > now())
      return deals.deferNudge(nudge.id, pref.snoozedUntil, "snoozed");

    const tz = user?.tz ?? null;
    const policy = user?.settings.quietHours
      ? {
          ...this.deps.policy,
          quietHours:
            user.settings.quietHours.start === user.settings.quietHours.end
              ? ("off" as const)
              : user.settings.quietHours,
        }
      : this.deps.policy;
    const { dayStart, weekStart } = countingWindows(now(), tz);
    const decision = decideNudge({
      now: now(),
      tz,
      policy,
      sentToday: await deals.countSent(nudge.teamId, userId, dayStart),
      sentThisWeek: await deals.countSent(nudge.teamId, userId, weekStart),
    });
    if (decision.action === "defer") return deals.deferNudge(nudge.id, decision.until, decision.reason);
    const intro = introFor(choice);
    const owns = intro ? await deals.claimNudgeIntro(nudge.teamId, userId, nudge.id, intro) : false;
    const intent = nudgeIntent(choice, owns);
    switch (intent.kind) {
      case "skip":
        return deals.finishNudge(nudge.id, "skipped", "nudges off");
      case "hold":
        return this.hold(nudge, userId);
      case "invite":
        await this.invite(nudge, userId);
        return this.hold(nudge, userId);
      case "post":
        if (await this.post(nudge, userId, intent.notice, safeUntil))
          await deals.finishNudge(nudge.id, "sent");
    }
  }

  /** Held until the rep chooses; settled at once if they chose while this nudge was in hand. */
  private async hold(nudge: NudgeRow, userId: string): Promise<void> {
    const key = { teamId: nudge.teamId, userId };
    await this.deps.store.deals.holdNudge(nudge.id);
    await settleIfChosen(this.deps.store, key, this.deps.now());
  }

  private async invite(nudge: NudgeRow, userId: string): Promise<void> {
    // Always by DM, wherever the nudge itself would have gone: the choice is the rep's alone.
    await this.postMarked(
      nudge,
      { userId },
      {
        kind: "invitation",
        dealName: nudge.payload.dealName,
        summary: nudge.payload.trigger.summary,
      },
    );
    this.deps.logger.info({ team: nudge.teamId, user: userId, nudge: nudge.id }, "nudge invitation sent");
  }

  /** Posts the nudge; false when it was left for its next lease (the coacher took most of this one). */
  private async post(
    nudge: NudgeRow,
    userId: string,
    defaultOnNotice: boolean,
    safeUntil: number,
  ): Promise<boolean> {
    const { store, library, coacher, logger } = this.deps;
    const key = { teamId: nudge.teamId, userId };
    const p = nudge.payload;
    const history = await store.recentQuestionIds(key, { sinceDays: 30 });
    const { value: result, trouble } = await coachSteadily(
      coacher,
      library,
      {
        situation: {
          text: p.situation,
          stage: p.stage && isStage(p.stage) ? p.stage : undefined,
          deal: p.deal,
        },
        // A nudge is about a deal change; the CRM note in it is not the rep talking to the coach, so no
        // person reading here, and nothing about the person ever becomes a nudge (docs/person.md).
        options: {
          history,
          user: userId,
          focusThemes: p.trigger.themes.filter(isTheme),
          readPerson: false,
        },
        teamId: nudge.teamId,
      },
      this.deps.coachPatienceMs,
    );
    if (trouble) logger.warn({ nudge: nudge.id, trouble }, "coacher failed; the library answered");
    if (Date.now() > safeUntil) {
      // Not marked, not posted: when the lease lapses the nudge is due again and is sent then, once.
      logger.warn({ nudge: nudge.id }, "nudge questions came too late in the lease; left for the next pass");
      return false;
    }
    const place = { userId, channel: p.channel, threadTs: p.threadTs };
    await this.postMarked(nudge, place, {
      kind: "nudge",
      dealName: p.dealName,
      summary: p.trigger.summary,
      questions: result.questions,
      source: nudge.source,
      dealId: nudge.dealId,
      defaultOnNotice,
    });
    await store.recordAsked(
      key,
      result.questions.map((q) => ({ questionId: q.id, theme: q.theme, surface: "nudge" as const })),
    );
    this.deps.logger.info(
      { team: nudge.teamId, user: userId, nudge: nudge.id, trigger: p.trigger.kind, source: result.source },
      "nudge sent",
    );
    return true;
  }

  /** Marks the nudge as being posted, then posts it with its id (see alreadyPosted). */
  private async postMarked(nudge: NudgeRow, place: NudgePlace, message: NudgeOutgoing): Promise<void> {
    await this.deps.store.deals.markNudgePosting(nudge.id);
    await this.deps.messenger.post(nudge.teamId, place, nudge.id, message);
  }

  /**
   * Whether this nudge's post is in the DM (or the deal thread) already. An invitation is looked for in
   * the DM, where it always goes.
   */
  private alreadyPosted(nudge: NudgeRow, userId: string, kind: NudgeOutgoing["kind"]): Promise<boolean> {
    const p = nudge.payload;
    const place = kind === "invitation" ? { userId } : { userId, channel: p.channel, threadTs: p.threadTs };
    return this.deps.messenger.alreadyPosted(
      nudge.teamId,
      place,
      nudge.id,
      kind,
      nudge.postingAt ?? new Date(0),
    );
  }
}
