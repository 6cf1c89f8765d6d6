import type { WebClient } from "@slack/web-api";
import type { Services } from "../../../src/slack/services.js";

// Plain fakes for listener unit tests, as Slack's starter templates use: each records its calls, and a
// test hands a listener only what that listener touches.

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
