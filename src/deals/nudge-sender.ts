import type { WebClient } from "@slack/web-api";
import { coach } from "../coaching/coach.js";
import type { Library } from "../coaching/library.js";
import { isStage, isTheme } from "../coaching/taxonomy.js";
import type { Logger } from "../logger.js";
import { nudgeBlocks } from "../slack/blocks/nudge.js";
import type { NudgeRow } from "../store/deal-types.js";
import type { Store } from "../store/types.js";
import { forEachLimit } from "./limit.js";
import { countingWindows, decideNudge, type NudgePolicy } from "./policy.js";

// Sends due nudges: respects nudges-off, mute and snooze, then the policy (quiet hours and weekends in
// the user's own timezone, daily and weekly caps), which defers a nudge and never drops it.

export interface NudgeSenderDeps {
  store: Store;
  library: Library;
  logger: Logger;
  now: () => Date;
  policy: NudgePolicy;
  clientFor: (teamId: string) => Promise<WebClient>;
}

const LEASE_MS = 60_000;
const PARALLEL = 4;

export class NudgeSender {
  constructor(private readonly deps: NudgeSenderDeps) {}

  async sendDue(limit = 50): Promise<number> {
    const due = await this.deps.store.deals.claimDueNudges(limit, LEASE_MS);
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
          await this.handle(nudge);
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

  private async handle(nudge: NudgeRow): Promise<void> {
    const { store, now } = this.deps;
    const deals = store.deals;
    if (!nudge.userId) return deals.deferNudge(nudge.id, new Date(now().getTime() + LEASE_MS), "no owner");
    const key = { teamId: nudge.teamId, userId: nudge.userId };
    const user = await store.getUser(key);
    if (user && !user.settings.nudges) return deals.finishNudge(nudge.id, "skipped", "nudges off");
    const pref = await deals.dealPref(nudge.teamId, nudge.userId, nudge.source, nudge.dealId);
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
      sentToday: await deals.countSent(nudge.teamId, nudge.userId, dayStart),
      sentThisWeek: await deals.countSent(nudge.teamId, nudge.userId, weekStart),
    });
    if (decision.action === "defer") return deals.deferNudge(nudge.id, decision.until, decision.reason);
    await this.post(nudge, nudge.userId);
    await deals.finishNudge(nudge.id, "sent");
  }

  private async post(nudge: NudgeRow, userId: string): Promise<void> {
    const { store, library } = this.deps;
    const key = { teamId: nudge.teamId, userId };
    const p = nudge.payload;
    const history = await store.recentQuestionIds(key, { sinceDays: 30 });
    const result = coach(
      library,
      { text: p.situation, stage: p.stage && isStage(p.stage) ? p.stage : undefined },
      { history, user: userId, focusThemes: p.trigger.themes.filter(isTheme) },
    );
    const message = nudgeBlocks({
      dealName: p.dealName,
      summary: p.trigger.summary,
      questions: result.questions,
      source: nudge.source,
      dealId: nudge.dealId,
    });
    const client = await this.deps.clientFor(nudge.teamId);
    let channel = p.channel;
    if (!channel) {
      const opened = await client.conversations.open({ users: userId });
      channel = opened.channel?.id;
      if (!channel) throw new Error("conversations.open returned no channel");
    }
    await client.chat.postMessage({
      channel,
      ...(p.threadTs ? { thread_ts: p.threadTs } : {}),
      ...message,
    } as never);
    await store.recordAsked(
      key,
      result.questions.map((q) => ({ questionId: q.id, theme: q.theme, surface: "nudge" as const })),
    );
    this.deps.logger.info(
      { team: nudge.teamId, user: userId, nudge: nudge.id, trigger: p.trigger.kind },
      "nudge sent",
    );
  }
}
