import type { WebClient } from "@slack/web-api";
import type { Library } from "../coaching/library.js";
import { forEachLimit } from "../deals/limit.js";
import type { Logger } from "../logger.js";
import { keepGoingMessage, WEEKLY_EVENT_TYPE, weeklyPromptMessage } from "../slack/blocks/weekly.js";
import type { Store, UserKey } from "../store/types.js";
import type { WeeklySend } from "../store/weekly-types.js";
import { Pacer, retryAfterOf } from "./pacer.js";
import { chooseWeeklyPrompt, summarizeWeek } from "./prompt.js";
import { effectiveZone, isoWeekKey, isTooLate, nextRunAt } from "./schedule.js";

// One pass of the weekly sender as of an instant: claim who is due (writing a pending send per rep and
// ISO week first), then deliver pending sends, paced per workspace. Exactly once: the send row exists
// before the Web API call; a send picked up again after a crash first looks for its own metadata in the
// DM; several senders take disjoint rows (FOR UPDATE SKIP LOCKED).

export interface WeeklySenderDeps {
  store: Store;
  library: Library;
  logger: Logger;
  clientFor: (teamId: string) => Promise<WebClient>;
  ratePerSec: number;
  leaseMs?: number;
}

export interface PassResult {
  due: number;
  sent: number;
  skipped: number;
  failed: number;
}

const UNANSWERED_BEFORE_ASKING = 3;
const RECENT_PROMPT_WEEKS = 8;
const MAX_ATTEMPTS = 3;
const BATCH = 100;
const PER_WORKSPACE_IN_FLIGHT = 4;

export class WeeklySender {
  private readonly lanes = new Map<string, Pacer>();

  constructor(private readonly deps: WeeklySenderDeps) {}

  /** Claims everyone due at `at`, then delivers every pending send. */
  async runOnce(start: Date): Promise<PassResult> {
    let at = start;
    const t0 = Date.now();
    // Claiming and sending overlap: the first claimed batch goes out while later ones are being claimed.
    let claiming = true;
    let claimMs = 0;
    const claimed = this.claim(start).finally(() => {
      claiming = false;
      claimMs = Date.now() - t0;
    });
    const result: PassResult = { due: 0, sent: 0, skipped: 0, failed: 0 };
    const seen = new Set<string>();
    const leaseMs = this.deps.leaseMs ?? 60_000;
    for (let idle = 0; idle < 120; ) {
      const batch = await this.deps.store.weekly.claimPending(at, BATCH, leaseMs);
      if (batch.length === 0) {
        // Sends leased by a sender that died come back when their lease ends: wait for them rather than
        // leave them for the next pass (nothing is pending at all -> done).
        if (claiming) {
          await Promise.race([claimed, new Promise((r) => setTimeout(r, 50))]);
          continue;
        }
        if (!(await this.deps.store.weekly.hasPending())) break;
        idle++;
        await new Promise((r) => setTimeout(r, Math.min(1000, leaseMs / 4)));
        at = new Date(at.getTime() + Math.min(1000, leaseMs / 4));
        continue;
      }
      for (const send of batch) seen.add(`${send.teamId}:${send.userId}:${send.week}`);
      result.due = seen.size;
      const byTeam = new Map<string, WeeklySend[]>();
      for (const send of batch) byTeam.set(send.teamId, [...(byTeam.get(send.teamId) ?? []), send]);
      // Workspaces run side by side, so a slow or rate-limited one never delays another.
      await Promise.all(
        [...byTeam.entries()].map(async ([teamId, sends]) => {
          // A few sends of one workspace in flight at once: their lookups overlap while the pacer still
          // spaces the posts themselves.
          await forEachLimit(sends, PER_WORKSPACE_IN_FLIGHT, async (send) => {
            const outcome = await this.deliver(teamId, send, at);
            if (outcome !== "retry") result[outcome]++;
          });
        }),
      );
    }
    await claimed;
    this.deps.logger.debug({ ...result, claimMs, totalMs: Date.now() - t0 }, "weekly pass");
    return result;
  }

  private async claim(at: Date): Promise<void> {
    const { store } = this.deps;
    const defaults = new Map<string, string | null>();
    for (let round = 0; round < 1000; round++) {
      const due = await store.weekly.due(at, 500);
      if (due.length === 0) return;
      // Workspace default timezones are read before the transaction (the plan callback is synchronous).
      for (const teamId of new Set(due.map((r) => r.teamId))) {
        if (!defaults.has(teamId)) defaults.set(teamId, (await store.weekly.workspaceDefaults(teamId)).tz);
      }
      await store.weekly.claimDue(at, 500, (row) => {
        const zone = effectiveZone(row.tz, defaults.get(row.teamId) ?? null);
        const dueAt = row.nextRunAt ?? at;
        const plan = {
          day: row.settings.weekly.day,
          time: row.settings.weekly.time,
          tz: zone,
          snoozedUntil: row.snoozedUntil,
          skipWeekOf: row.skipWeek,
        };
        return {
          week: isoWeekKey(dueAt, zone),
          nextRunAt: nextRunAt(plan, new Date(Math.max(at.getTime(), dueAt.getTime()))),
        };
      });
    }
  }

  private lane(teamId: string): Pacer {
    let lane = this.lanes.get(teamId);
    if (!lane) {
      lane = new Pacer(this.deps.ratePerSec);
      this.lanes.set(teamId, lane);
    }
    return lane;
  }

  private async deliver(
    teamId: string,
    send: WeeklySend,
    at: Date,
  ): Promise<"sent" | "skipped" | "failed" | "retry"> {
    const { store, logger } = this.deps;
    const key: UserKey = { teamId, userId: send.userId };
    try {
      // Missed by more than a day (the app was down): that week is skipped, not sent late.
      if (isTooLate(send.dueAt, at)) {
        await store.weekly.finishSend(key, send.week, { status: "skipped" });
        return "skipped";
      }
      const schedule = await store.weekly.getSchedule(key);
      if (!schedule?.enabled) {
        await store.weekly.finishSend(key, send.week, { status: "skipped" });
        return "skipped";
      }
      const client = await this.deps.clientFor(teamId);
      const lane = this.lane(teamId);
      const opened = await this.withRetry(lane, () => client.conversations.open({ users: send.userId }));
      const channel = opened.channel?.id;
      if (!channel) throw new Error("conversations.open returned no channel");
      if (send.attempts > 1) {
        const found = await this.findSent(client, lane, channel, send);
        if (found) {
          await store.weekly.finishSend(key, send.week, { status: "sent", channel, ts: found });
          return "sent";
        }
      }
      const message = await this.compose(key, send, schedule.unanswered, at);
      await lane.slot();
      const posted = await this.withRetry(lane, () =>
        client.chat.postMessage({
          channel,
          ...message.body,
          metadata: { event_type: WEEKLY_EVENT_TYPE, event_payload: { week: send.week } },
        } as never),
      );
      await store.weekly.finishSend(key, send.week, {
        status: "sent",
        channel,
        ts: posted.ts,
        promptId: message.promptId,
        kind: message.kind,
      });
      if (message.kind === "keep_going") await store.weekly.saveSchedule(key, { awaitingChoice: true });
      else if (message.unanswered !== schedule.unanswered)
        await store.weekly.saveSchedule(key, { unanswered: message.unanswered });
      return "sent";
    } catch (err) {
      logger.warn(
        { team: teamId, user: send.userId, week: send.week, err: { message: (err as Error).message } },
        "weekly prompt failed",
      );
      if (send.attempts >= MAX_ATTEMPTS) {
        await store.weekly.finishSend(key, send.week, { status: "failed" });
        return "failed";
      }
      // Try again shortly, in this pass, rather than when the lease would have run out.
      await store.weekly.releaseSend(key, send.week, new Date(at.getTime() + 1000));
      return "retry";
    }
  }

  /** Retries a call after Retry-After when Slack rate-limits it, pausing only this workspace. */
  private async withRetry<T>(lane: Pacer, call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        const retryAfter = retryAfterOf(err);
        if (retryAfter === undefined || attempt >= 10) throw err;
        await lane.pause(retryAfter);
      }
    }
  }

  /** After a crash between claim and send: did the prompt for this week reach the DM already? */
  private async findSent(
    client: WebClient,
    lane: Pacer,
    channel: string,
    send: WeeklySend,
  ): Promise<string | undefined> {
    const oldest = String(Math.floor(send.dueAt.getTime() / 1000) - 3600);
    const history = await this.withRetry(lane, () =>
      client.conversations.history({ channel, oldest, include_all_metadata: true, limit: 50 }),
    );
    const hit = (history.messages ?? []).find((m) => {
      const meta = (m as { metadata?: { event_type?: string; event_payload?: { week?: string } } }).metadata;
      return meta?.event_type === WEEKLY_EVENT_TYPE && meta.event_payload?.week === send.week;
    });
    return hit?.ts;
  }

  private async compose(key: UserKey, send: WeeklySend, unansweredBefore: number, at: Date) {
    const { store, library } = this.deps;
    const recent = await store.weekly.recentSends(key, RECENT_PROMPT_WEEKS + 1);
    const previous = recent.filter((s) => s.week !== send.week && s.status === "sent");
    const lastPrompt = previous.find((s) => s.kind === "prompt");
    const unanswered = lastPrompt && !lastPrompt.answeredAt ? unansweredBefore + 1 : unansweredBefore;
    if (unanswered >= UNANSWERED_BEFORE_ASKING) {
      return { body: keepGoingMessage(), kind: "keep_going" as const, promptId: undefined, unanswered };
    }
    const [reflection] = await store.listReflections(key, 1);
    const deals = await store.deals.dealsOwnedBy(key.teamId, key.userId);
    const prompt = chooseWeeklyPrompt({
      library,
      week: summarizeWeek(deals, at),
      lastAnswer: reflection ? { text: reflection.answer, at: reflection.createdAt } : null,
      recentPromptIds: previous.map((s) => s.promptId).filter((id): id is string => Boolean(id)),
      seed: `${key.userId}:${send.week}`,
    });
    const built = weeklyPromptMessage(prompt, send.week);
    return {
      body: { text: built.text, blocks: built.blocks },
      kind: "prompt" as const,
      promptId: prompt.id,
      unanswered,
    };
  }
}
