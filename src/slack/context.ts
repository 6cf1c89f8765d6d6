import type { AllMiddlewareArgs, App, Context } from "@slack/bolt";

// What the app's global middleware (middleware.ts) adds to every request's context, as a type: Bolt's
// App is generic in it, so listeners read `context.requestId` as a string without a cast.

export type RequestContext = {
  /** A fresh id per request, for the logs: every line about one request carries it. */
  requestId: string;
};

/** The Bolt app as built here: every listener's context carries RequestContext. */
export type DealCoachApp = App<RequestContext>;

/** A listener's context: Bolt's own, plus ours. */
export type ListenerContext = Context & RequestContext;

/** The arguments Bolt gives every listener of this app, with the typed context. */
export type ListenerArgs = AllMiddlewareArgs<RequestContext>;
