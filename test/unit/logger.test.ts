import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { WebAPICallError } from "@slack/web-api";
import { describe, expect, it } from "vitest";
import { createLogger, REDACTED } from "../../src/logger.js";
import { PACKAGE_ROOT } from "../../src/paths.js";
import { LIBRARY_LOG_PHRASES } from "../../src/slack/library-log-phrases.js";
import { libraryLine, libraryLogger } from "../../src/slack/library-logger.js";

// The two guards of src/logger.ts: our own fields scrubbed by key at any depth, and the Slack libraries'
// pre-joined lines reduced to shape. The end-to-end check (every surface at debug) is
// test/integration/log-privacy.test.ts.

const MARK = "zqxMARKzqx";

function sink(isTTY = false) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  }) as Writable & { isTTY?: boolean };
  if (isTTY) stream.isTTY = true;
  return { stream, lines, text: () => lines.join("") };
}

describe("library lines", () => {
  it("keeps the opening phrase of a request-body line and nothing of the body", () => {
    const line = libraryLine([
      `http request body: {"channel":"D1","text":"${MARK}","client_secret":"${MARK}","code":"${MARK}"}`,
    ]);
    expect(line.msg).toBe("http request body");
    expect(JSON.stringify(line)).not.toContain(MARK);
    expect(line.fields.withheld).toBeGreaterThan(40);
  });

  it("keeps the Web API method of apiCall lines", () => {
    expect(libraryLine(["apiCall('chat.postMessage') start"])).toEqual({
      msg: "apiCall start",
      fields: { method: "chat.postMessage" },
    });
  });

  it("withholds a line that opens with no known phrase, even one that looks harmless", () => {
    for (const text of [MARK, `${MARK} said hello`, `{"text":"${MARK}"}`, `Receivedx ${MARK}`, ""]) {
      const line = libraryLine([text]);
      expect(line.msg).toBe("library line withheld");
      expect(JSON.stringify(line)).not.toContain(MARK);
    }
  });

  it("cuts at the first interpolation: a known phrase followed by data keeps only the phrase", () => {
    const line = libraryLine([`Received a message on the WebSocket: {"payload":{"text":"${MARK}"}}`]);
    expect(line.msg).toBe("Received a message on the WebSocket");
    expect(libraryLine([`ack() call begins (body: {"text":"${MARK}"})`]).msg).toBe("ack");
    const ws = libraryLine([`Storing installation in ${MARK}`]);
    expect(ws.msg).toBe("library line withheld");
  });

  it("reduces errors and extra arguments to codes, never their messages", () => {
    const err = Object.assign(new Error(`An API error occurred: ${MARK}`), {
      code: "slack_webapi_platform_error",
      data: { ok: false, error: "invalid_auth", text: MARK },
    }) as WebAPICallError;
    const line = libraryLine([`Slack API error: ${MARK}`, err, { text: MARK }, MARK]);
    expect(line.msg).toBe("Slack API error");
    expect(line.fields.err).toEqual({
      type: "Error",
      code: "slack_webapi_platform_error",
      slackError: "invalid_auth",
    });
    expect(JSON.stringify(line)).not.toContain(MARK);
    const odd = libraryLine([Object.assign(new Error("x"), { code: `has space ${MARK}` })]);
    expect(JSON.stringify(odd)).not.toContain(MARK);
    expect(odd.msg).toBe("library error");
  });

  it("writes at LOG_LEVEL whatever level the library sets", () => {
    const out = sink();
    const logger = libraryLogger(createLogger("debug", out.stream), "bolt");
    logger.setLevel("error" as never);
    logger.debug(`http request body: ${MARK}`);
    const line = JSON.parse(out.lines[0] ?? "{}");
    expect(line).toMatchObject({ level: 20, component: "bolt", msg: "http request body" });
    expect(out.text()).not.toContain(MARK);
    expect(logger.getLevel()).toBe("debug");

    const quiet = sink();
    const info = libraryLogger(createLogger("info", quiet.stream), "bolt");
    info.debug("http request body: x");
    info.warn("http request failed", MARK);
    expect(quiet.lines).toHaveLength(1);
    expect(info.getLevel()).toBe("info");
    expect(quiet.text()).not.toContain(MARK);
  });

  it("has only phrases the installed Slack packages still log (regenerate after an upgrade)", () => {
    const sources = ["bolt", "web-api", "socket-mode", "oauth"]
      .flatMap((pkg) => jsFiles(join(PACKAGE_ROOT, "node_modules", "@slack", pkg, "dist")))
      .map((f) => readFileSync(f, "utf8"))
      .join("\n");
    const missing = LIBRARY_LOG_PHRASES.filter((p) => !sources.includes(p));
    expect(missing).toEqual([]);
  });
});

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && d.name.endsWith(".js"))
    .map((d) => join(d.parentPath, d.name));
}

describe("our own lines", () => {
  it("replaces secret and private fields at any depth, whatever they hold", () => {
    const out = sink();
    const logger = createLogger("debug", out.stream);
    logger.debug(
      {
        user: "U1",
        token: MARK,
        deep: { a: { b: { text: MARK, note: MARK, clientSecret: MARK, list: [{ answer: MARK }] } } },
        deal: { dealName: MARK, email: MARK, amount: 5 },
        headers: { authorization: MARK },
        code: MARK,
        state: MARK,
        deleted: { questions: 3, reflections: 1 },
      },
      "x",
    );
    const line = JSON.parse(out.lines[0] ?? "{}");
    expect(out.text()).not.toContain(MARK);
    expect(line.user).toBe("U1");
    expect(line.deal).toEqual({ dealName: REDACTED, email: REDACTED, amount: 5 });
    expect(line.deep.a.b.list[0].answer).toBe(REDACTED);
    expect(line.deleted).toEqual({ questions: 3, reflections: 1 });
  });

  it("keeps an error's class, message and code but drops the values drivers hang on it", () => {
    const out = sink();
    const err = Object.assign(new Error("duplicate key value violates unique constraint"), {
      code: "23505",
      detail: `Key (email)=(${MARK}) already exists.`,
    });
    createLogger("info", out.stream).error({ err, other: { err: { code: "ECONNRESET" } } }, "failed");
    const line = JSON.parse(out.lines[0] ?? "{}");
    expect(out.text()).not.toContain(MARK);
    expect(line.err).toMatchObject({
      type: "Error",
      code: "23505",
      message: expect.stringContaining("duplicate"),
    });
    expect(line.other.err.code).toBe("ECONNRESET");
  });
});

describe("output format", () => {
  it("writes JSON lines to a pipe or file", () => {
    const out = sink(false);
    createLogger("info", out.stream).info({ user: "U1" }, "hello");
    expect(JSON.parse(out.lines[0] ?? "")).toMatchObject({ msg: "hello", user: "U1", level: 30 });
  });

  it("pretty-prints to a terminal, still scrubbed", () => {
    const out = sink(true);
    createLogger("info", out.stream).info({ user: "U1", text: MARK }, "hello");
    const text = out.text();
    expect(text).toContain("hello");
    expect(text).toContain("INFO");
    expect(text).toContain("U1");
    expect(text).not.toContain(MARK);
    expect(() => JSON.parse(text)).toThrow();
  });
});

/** Source text of a template placeholder, spelled so that it is not one here. */
const DOLLAR = "$";

describe("our log calls", () => {
  // Fields are scrubbed by key; a message is not, so messages must be fixed wording with values in fields.
  // The one exception is the embedded store's data directory, a path the operator chose (README).
  const ALLOWED = new Set([`${DOLLAR}{where}`]);

  it("put no interpolated value into a message", () => {
    const offenders: string[] = [];
    for (const file of tsFiles(join(PACKAGE_ROOT, "src"))) {
      const text = readFileSync(file, "utf8");
      for (const call of logCalls(text)) {
        const interpolations = call.match(/\$\{[^}]*\}/g) ?? [];
        if (interpolations.some((i) => !ALLOWED.has(i))) offenders.push(`${file}: ${call.slice(0, 160)}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("finds an interpolated message (the check above can fail)", () => {
    const calls = logCalls(
      `logger.info({ user }, \`replied to ${DOLLAR}{text}\`);\nthis.deps.logger?.warn?.('x');`,
    );
    expect(calls).toHaveLength(2);
    expect(calls[0]).toContain(`${DOLLAR}{text}`);
  });
});

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && d.name.endsWith(".ts"))
    .map((d) => join(d.parentPath, d.name));
}

/** The argument text of every `logger.<level>(…)` call, by bracket counting. */
function logCalls(text: string): string[] {
  const calls: string[] = [];
  const start = /\blogger\??\.(?:trace|debug|info|warn|error|fatal)\??\.?\(/g;
  for (const m of text.matchAll(start)) {
    let depth = 1;
    let i = m.index + m[0].length;
    for (; i < text.length && depth > 0; i++) {
      if (text[i] === "(") depth++;
      else if (text[i] === ")") depth--;
    }
    calls.push(text.slice(m.index + m[0].length, i - 1));
  }
  return calls;
}
