import type { WebClient } from "@slack/web-api";
import { type CoachQuestion, type CoachResult, goDeeper } from "../coaching/coach.js";
import type { DealFields } from "../coaching/deal.js";
import { INPUT_LIMITS } from "../coaching/input-limits.js";
import type { Stage, Theme } from "../coaching/taxonomy.js";
import { coachSteadily, type Trouble } from "../llm/steady.js";
import { DEFAULT_SETTINGS, type Surface, type UserKey } from "../store/types.js";
import { caringReplyBlocks, coachReplyBlocks, type Rendered } from "./blocks/coach-reply.js";
import { homeView, MAX_LINK_REQUESTS } from "./blocks/home.js";
import { LIBRARY_NOTE } from "./blocks/thinking.js";
import { isWorkspaceAdmin } from "./people.js";
import { errorSummary } from "./reply.js";
import type { Services } from "./services.js";

// The few things every surface does the same way: coach with the user's history, record what was asked,
// render; go deeper; publish Home. Listeners stay thin around these.

export const MAX_INPUT_CHARS = INPUT_LIMITS.situation;
const HISTORY_DAYS = 30;

export interface CoachRequest {
  key: UserKey;
  text: string;
  stage?: Stage;
  /** The deal's structured fields, when the message is about a deal we know (a deal channel). */
  deal?: DealFields;
  surface: Surface;
  /** Conversation the reply belongs to: questions already asked there are never repeated. */
  threadKey?: string;
  excludeThemes?: Theme[];
  maxQuestions?: number;
  /** Questions to put first (a follow-up when going deeper); already recorded by the caller. */
  lead?: CoachQuestion[];
  /** For the log: which request this reply answers. */
  requestId?: string;
}

export async function coachAndRecord(
  services: Services,
  req: CoachRequest,
): Promise<{ result: CoachResult; rendered: Rendered; trouble?: Trouble }> {
  const { store, library, coacher } = services;
  const text = req.text.slice(0, MAX_INPUT_CHARS);
  const [recent, inThread] = await Promise.all([
    store.recentQuestionIds(req.key, { sinceDays: HISTORY_DAYS }),
    req.threadKey ? store.recentQuestionIds(req.key, { threadKey: req.threadKey }) : Promise.resolve([]),
  ]);
  // Thread questions first: those must never repeat; the rest only rotate.
  const history = [...new Set([...inThread, ...recent])];
  // Through the coacher, as every surface (docs/replies.md); the library answers if it fails its promise.
  const {
    value: coached,
    trouble,
    error,
  } = await coachSteadily(
    coacher,
    library,
    {
      situation: { text, stage: req.stage, deal: req.deal },
      options: {
        history,
        user: req.key.userId,
        excludeThemes: req.excludeThemes,
        maxQuestions: req.maxQuestions,
      },
      teamId: req.key.teamId,
    },
    services.coachPatienceMs,
  );
  if (trouble) {
    services.logger.warn(
      {
        requestId: req.requestId,
        surface: req.surface,
        trouble,
        err: error ? errorSummary(error) : undefined,
      },
      "coacher failed; the library answered",
    );
  }
  // About the rep, not a deal: not recorded as asked, so never in Home's counts, the question history or
  // a forget report's tallies; rendered without the buttons that would record (docs/person.md).
  if (coached.person) return { result: coached, rendered: caringReplyBlocks(coached) };
  const result = req.lead ? { ...coached, questions: [...req.lead, ...coached.questions] } : coached;
  await store.recordAsked(
    req.key,
    coached.questions.map((q) => ({
      questionId: q.id,
      theme: q.theme,
      surface: req.surface,
      threadKey: req.threadKey,
    })),
  );
  const shown = [...new Set([...(req.excludeThemes ?? []), ...result.questions.map((q) => q.theme)])];
  return {
    result,
    rendered: coachReplyBlocks(result, { text, shownThemes: shown }, trouble ? LIBRARY_NOTE : undefined),
    trouble,
  };
}

/**
 * A follow-up on a question, recorded; undefined when that question has no unasked follow-up left.
 * Straight from the library, not through the coacher: a follow-up is the fixed next question under the
 * one the rep chose, so there is nothing to choose among, and no wait to show (docs/replies.md).
 */
export async function deeperAndRecord(
  services: Services,
  key: UserKey,
  questionId: string,
  surface: Surface,
  threadKey?: string,
): Promise<CoachQuestion | undefined> {
  const history = await services.store.recentQuestionIds(
    key,
    threadKey ? { threadKey } : { sinceDays: HISTORY_DAYS },
  );
  const next = goDeeper(services.library, questionId, history);
  if (next)
    await services.store.recordAsked(key, [{ questionId: next.id, theme: next.theme, surface, threadKey }]);
  return next;
}

/** Publishes the user's own Home tab. Reading it never creates a user record. */
export async function publishHome(services: Services, client: WebClient, key: UserKey): Promise<void> {
  const { store } = services;
  const [user, reflections, stats, admin, nudgesDefaultOn] = await Promise.all([
    store.getUser(key),
    store.listReflections(key, 10),
    store.userStats(key),
    isWorkspaceAdmin(client, key.userId),
    store.deals.nudgesDefaultOn(key.teamId),
  ]);
  const adminInput = admin
    ? {
        waiting: (await store.deals.waitingForOwner(key.teamId)).map((n) => ({
          email: n.ownerEmail,
          dealName: n.payload.dealName,
        })),
        channels: await store.deals.dealChannels(key.teamId),
        linkRequests: await store.deals.links.requests(key.teamId, MAX_LINK_REQUESTS),
        envChannels: services.config.deals.channels,
      }
    : undefined;
  await client.views.publish({
    user_id: key.userId,
    view: homeView({
      settings: user?.settings ?? DEFAULT_SETTINGS,
      reflections,
      stats,
      tz: user?.tz ?? null,
      nudgesDefaultOn,
      admin: adminInput,
    }),
  });
}
