import type { WebClient } from "@slack/web-api";
import { loadConfig } from "../../../src/config.js";
import { libraryCoacher } from "../../../src/llm/coacher.js";
import type { ButtonArgs } from "../../../src/slack/listeners/actions/button.js";
import type { Services } from "../../../src/slack/services.js";
import type { Store } from "../../../src/store/types.js";
import { library } from "../../support/library.js";

// Plain fakes for listener unit tests, as Slack's starter templates use: each records its calls, and a
// test hands a listener only what that listener touches. Where the listener's one function writes or
// reads the store, the test gives it a real one (storeServices, test/support/store.ts).
//
// Every listener registered in src/slack/listeners/*/index.ts, and its unit test here:
//   /coach                         coachCommand, handleCoachCommand, SUBCOMMANDS   coach-command.test.ts
//   app_mention                    appMention                                       events.test.ts
//   message.*                      messageEvent                                     events.test.ts
//                                  routeMessage: DM, deal channel, mention, ignored  message-router.test.ts
//   app_home_opened                appHomeOpened (fake publish; real publishHome)   events.test.ts, message-router.test.ts
//   app_uninstalled                appUninstalled (fake store; real forgetTeam)     events.test.ts, message-router.test.ts
//   tokens_revoked                 tokensRevoked                                    events.test.ts
//   situation / weekly answer /    situationSubmitted, weeklyAnswerSubmitted,       views.test.ts
//     settings / Reflect modals    settingsSubmitted, reflectSubmitted (+ real save) views.test.ts, message-router.test.ts
//   any button (shared shape)      buttonListener                                   actions.test.ts
//   Helpful / Not helpful          feedback                                         actions.test.ts
//   Delete my data / Cancel        forgetConfirm, forgetCancel                      actions.test.ts
//   an older button                unknownAction                                    actions.test.ts
//   Another angle, Go deeper,      anotherAngle, goDeeperAction, reflectAction      buttons.test.ts
//     Reflect
//   nudge Snooze / Mute            nudgePref("snooze" | "mute")                     buttons.test.ts
//   nudge Keep / No thanks / Stop  nudgeChoiceAction("keep" | "decline" | "stop")   buttons.test.ts
//   Home controls                  homeSetting, homeDealChannels                    buttons.test.ts
//   link Approve / Decline         linkDecision(true | false)                       buttons.test.ts
//   weekly prompt buttons          weeklyAction(answer, skip, pause, stop, keep)    buttons.test.ts
// (weeklyAction's optIn runs the same branch as keep.)

export interface Recorder<A extends unknown[] = unknown[], R = unknown> {
  (...args: A): Promise<R>;
  calls: A[];
}

/** An async function that records its arguments and answers `result` (or throws it, when an Error). */
export function recorder<A extends unknown[] = unknown[], R = unknown>(
  result?: R | ((...args: A) => R | Promise<R>),
): Recorder<A, R> {
  const calls: A[] = [];
  const fn = async (...args: A): Promise<R> => {
    calls.push(args);
    const value =
      typeof result === "function" ? await (result as (...a: A) => R | Promise<R>)(...args) : result;
    if (value instanceof Error) throw value;
    return value as R;
  };
  return Object.assign(fn, { calls });
}

export interface LogLine {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

/** A logger keeping every line. */
export function fakeLogger(lines: LogLine[] = []) {
  const at =
    (level: string) =>
    (fields: Record<string, unknown>, message: string): void => {
      lines.push({ level, fields, message });
    };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/**
 * Services with a work queue that runs work at once (or, `busy`, turns it away and sends the busy reply),
 * and whatever else the test gives. Listeners read only the members they use.
 */
export function fakeServices(parts: Record<string, unknown> = {}, opts: { busy?: boolean } = {}) {
  const logger = fakeLogger();
  const queued: Array<{ busy: boolean }> = [];
  const work = {
    async run(fn: () => Promise<void>, busy?: () => Promise<unknown>) {
      queued.push({ busy: busy !== undefined });
      if (opts.busy) {
        await busy?.();
        return "busy" as const;
      }
      await fn();
      return "done" as const;
    },
  };
  const services = {
    logger,
    work,
    coacher: { usesModel: false },
    ...parts,
  } as unknown as Services;
  return { services, logger, queued };
}

/** A WebClient fake: only the methods given exist; each records its calls. */
export function fakeClient(methods: Record<string, Record<string, (args: never) => unknown>> = {}) {
  const calls: Array<{ method: string; args: unknown }> = [];
  const client: Record<string, Record<string, (args: unknown) => Promise<unknown>>> = {};
  for (const [group, fns] of Object.entries(methods)) {
    client[group] = {};
    for (const [name, fn] of Object.entries(fns)) {
      client[group][name] = async (args: unknown) => {
        calls.push({ method: `${group}.${name}`, args });
        return (fn as (a: unknown) => unknown)(args);
      };
    }
  }
  return { client: client as unknown as WebClient, calls };
}

/** The i-th call's arguments (the test fails when there was none). */
export function call<A extends unknown[], R>(r: Recorder<A, R>, i = 0): A {
  const args = r.calls[i];
  if (!args) throw new Error(`expected call ${i}, got ${r.calls.length} calls`);
  return args;
}

/**
 * Services over a real store (test/support/store.ts), the built-in library and its coacher, and the
 * configuration of a single-token app: for listeners whose one function writes or reads the store.
 */
export function storeServices(
  store: Store,
  parts: Record<string, unknown> = {},
  opts: { busy?: boolean } = {},
) {
  const config = loadConfig({ SLACK_BOT_TOKEN: "xoxb-test", SLACK_SIGNING_SECRET: "test-secret" });
  return fakeServices({ store, library, coacher: libraryCoacher(library), config, ...parts }, opts);
}

/**
 * A click on a button: `value` in the action, the clicker U1 of T1, an ephemeral container unless `body`
 * says otherwise. `order` records "ack" so a test can check the ack came first.
 */
export function buttonArgs(
  value: string | undefined,
  body: Record<string, unknown> = {},
  client = fakeClient().client,
  actionId = "some_action",
) {
  const order: string[] = [];
  const ack = recorder(() => void order.push("ack"));
  const respond = recorder();
  const args = {
    ack,
    respond,
    client,
    context: { requestId: "req-5" },
    action: { type: "button", action_id: actionId, value },
    body: {
      type: "block_actions",
      user: { id: "U1", team_id: "T1" },
      team: { id: "T1" },
      trigger_id: "trig-5",
      response_url: "not-a-url",
      container: { is_ephemeral: true },
      ...body,
    },
  } as unknown as ButtonArgs;
  return { args, ack, respond, order };
}

/** users.info answering that `admins` are workspace admins and everyone else is not. */
export const usersInfo = (admins: string[] = []) => ({
  info: (a: { user: string }) => ({ ok: true, user: { id: a.user, is_admin: admins.includes(a.user) } }),
});

/** The value, or the test fails saying what was missing. */
export function must<T>(value: T | undefined, what = "a value"): T {
  if (value === undefined) throw new Error(`expected ${what}`);
  return value;
}
