import type { DealCoachApp } from "../../context.js";
import type { Services } from "../../services.js";
import { appHomeOpened } from "./app-home.js";
import { appMention } from "./app-mention.js";
import { appUninstalled, tokensRevoked } from "./lifecycle.js";
import { messageEvent } from "./message.js";

// Events, one named listener each. Bolt acknowledges an event itself; each listener calls one function.

export function register(app: DealCoachApp, services: Services): void {
  app.event("app_mention", appMention(services));
  app.event("message", messageEvent(services));
  app.event("app_home_opened", appHomeOpened(services));
  app.event("app_uninstalled", appUninstalled(services));
  app.event("tokens_revoked", tokensRevoked(services));
}
