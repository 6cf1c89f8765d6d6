import type { Library } from "../coaching/library.js";
import type { Config } from "../config.js";
import type { Coacher } from "../llm/coacher.js";
import type { Logger } from "../logger.js";
import type { Route } from "../server.js";
import type { Store } from "../store/types.js";
import type { FindUserByEmail, NudgeMessenger } from "./messenger.js";
import { NudgeSender } from "./nudge-sender.js";
import { resolveOwner } from "./owners.js";
import { parseQuietHours } from "./policy.js";
import { DealProcessor } from "./processor.js";
import {
  enrichHubSpot,
  parseDeals,
  parseHubSpot,
  parsePipedrive,
  parseStageMap,
  verifyDeals,
  verifyHubSpot,
  verifyPipedrive,
  withPipedriveOwner,
} from "./sources/index.js";
import type { DealUpdate } from "./types.js";
import { webhookRoute } from "./webhook-route.js";
import { DealWorker } from "./worker.js";

// Deal updates wired together from the configuration: the three webhook routes, enrichment from the
// CRMs' APIs, owner mapping through the chat directory, the processor, the nudge sender and their background loop.

export interface DealsDeps {
  config: Config;
  store: Store;
  library: Library;
  /** Where nudges' questions come from. */
  coacher: Coacher;
  coachPatienceMs?: number;
  logger: Logger;
  /** Renders and posts nudges (src/slack/nudge-messenger.ts). */
  messenger: NudgeMessenger;
  /** CRM owner e-mail -> chat user. */
  findUser: FindUserByEmail;
  defaultTeam: () => string | undefined;
  now?: () => Date;
  pollMs?: number;
}

export interface Deals {
  routes: Record<string, Route>;
  worker: DealWorker;
  processor: DealProcessor;
  sender: NudgeSender;
}

export function buildDeals(deps: DealsDeps): Deals {
  const { config, store, logger } = deps;
  const d = config.deals;
  const now = deps.now ?? (() => new Date());
  const stageMap = parseStageMap(d.stageMap);

  const enrich = async (update: DealUpdate): Promise<DealUpdate> => {
    if (update.source === "hubspot" && d.hubspot.accessToken) {
      return enrichHubSpot(update, {
        accessToken: d.hubspot.accessToken,
        apiUrl: d.hubspot.apiUrl,
        stageMap,
      });
    }
    if (update.source === "pipedrive" && d.pipedrive.apiToken) {
      return withPipedriveOwner(update, { apiToken: d.pipedrive.apiToken, apiUrl: d.pipedrive.apiUrl });
    }
    return update;
  };

  const processor = new DealProcessor({
    store,
    logger,
    now,
    enrich,
    resolveOwner: (teamId, email) => resolveOwner(store.deals, deps.findUser, teamId, email),
    idleBusinessDays: d.idleDays,
    leaseMs: d.leaseMs,
  });
  const sender = new NudgeSender({
    store,
    library: deps.library,
    coacher: deps.coacher,
    coachPatienceMs: deps.coachPatienceMs,
    logger,
    now,
    messenger: deps.messenger,
    leaseMs: d.leaseMs,
    policy: {
      quietHours: parseQuietHours(d.quietHours),
      weekends: d.weekends,
      dailyCap: d.dailyCap,
      weeklyCap: d.weeklyCap,
    },
  });
  const worker = new DealWorker(processor, sender, {
    pollMs: deps.pollMs ?? 1000,
    sweepMs: 10 * 60_000,
    logger,
  });

  const routeDeps = {
    store: store.deals,
    logger,
    defaultTeam: deps.defaultTeam,
    now,
    onAccepted: () => worker.wake(),
  };
  const routes: Record<string, Route> = {
    "POST /webhooks/deals": webhookRoute(
      "deals",
      {
        missingConfig: () => (d.webhookSecret ? undefined : "DEAL_WEBHOOK_SECRET"),
        verify: (req, at) => verifyDeals(req, { secret: d.webhookSecret }, at),
        parse: (req) => parseDeals(req.rawBody, { stageMap }),
      },
      routeDeps,
    ),
    "POST /webhooks/hubspot": webhookRoute(
      "hubspot",
      {
        missingConfig: () => (d.hubspot.clientSecret ? undefined : "HUBSPOT_CLIENT_SECRET"),
        verify: (req, at) =>
          verifyHubSpot(req, { clientSecret: d.hubspot.clientSecret, publicUrl: d.hubspot.webhookUrl }, at),
        parse: (req) => parseHubSpot(req.rawBody, { stageMap, appId: d.hubspot.appId }),
      },
      routeDeps,
    ),
    "POST /webhooks/pipedrive": webhookRoute(
      "pipedrive",
      {
        missingConfig: () =>
          d.pipedrive.user && d.pipedrive.password
            ? undefined
            : "PIPEDRIVE_WEBHOOK_USER and PIPEDRIVE_WEBHOOK_PASSWORD",
        verify: (req, at) =>
          verifyPipedrive(req, { user: d.pipedrive.user, password: d.pipedrive.password }, at),
        parse: (req) => parsePipedrive(req.rawBody, { stageMap, apiUserId: d.pipedrive.apiUserId }),
      },
      routeDeps,
    ),
  };
  return { routes, worker, processor, sender };
}
