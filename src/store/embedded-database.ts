import { existsSync, realpathSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type pg from "pg";
import { PACKAGE_ROOT } from "../paths.js";
import type { WorkerReport, WorkerRequest, WorkerStart } from "./pglite-worker.js";

// PGlite in a worker thread of its own, serving the PostgreSQL wire protocol on a unix socket. The
// app talks to it with an ordinary pg.Pool, exactly as to a PostgreSQL server, and a query that keeps
// PGlite busy for seconds no longer holds up every Slack ack (PGlite runs each query synchronously on
// the thread that holds it).

/** Unix socket paths are limited to 107 bytes; beyond this the socket goes to a temporary directory. */
const MAX_SOCKET_PATH = 100;
/** PostgreSQL names its socket after the port; pg connects to HOST/.s.PGSQL.PORT. */
const SOCKET_PORT = 5432;
const SOCKET_NAME = `.s.PGSQL.${SOCKET_PORT}`;
/** How long a clean stop may take (a checkpoint of the data directory) before the thread is ended. */
const STOP_TIMEOUT_MS = 60_000;

/**
 * PostgreSQL settings for a small embedded database, passed as start-up arguments (postgres -c).
 * initdb writes a server's shared_buffers, 128 MB, which PGlite allocates inside its WebAssembly
 * memory at start (about 160 MB of RSS with what scales with it) and never gives back; Deal Coach's
 * working set is a few MB per team, and a page PGlite evicts is read back from the OS page cache.
 */
export const EMBEDDED_SETTINGS: Record<string, string> = { shared_buffers: "16MB" };

export interface EmbeddedOptions {
  /** PGDATA on disk; absent: in memory, gone when stopped (tests). */
  dataDir?: string;
  /** A tarball of a data directory to start from (tests' template); only in memory. */
  loadDataDir?: Uint8Array<ArrayBuffer>;
  /** Further PostgreSQL settings (-c NAME=VALUE). */
  settings?: Record<string, string>;
  /** Keep the process alive while the database runs (default true; tests share idle ones). */
  ref?: boolean;
  /** Hears of a thread that ended without being asked to (its connections fail from then on). */
  onCrash?: (error: Error) => void;
}

export interface EmbeddedDatabase {
  /** pg settings that reach this database: one connection, since PGlite is a single session. */
  readonly poolConfig: pg.PoolConfig;
  /** Tarball of the data directory (tests build their template with it). */
  dump(): Promise<Uint8Array<ArrayBuffer>>;
  /** Stops serving, closes PGlite (a checkpoint), and ends the thread; a second call waits for the first. */
  stop(): Promise<void>;
  /** Ends the thread at once, as a crash would (tests; a stop that did not finish). */
  terminate(): Promise<void>;
}

/** Starts PGlite in a worker thread and resolves once it accepts connections. */
export async function startEmbeddedDatabase(options: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  if (options.dataDir !== undefined && !existsSync(join(options.dataDir, "PG_VERSION"))) {
    // A new data directory: initdb runs in a PGlite of its own, of a server's size, and WebAssembly
    // memory once grown is never given back. A thread that only creates the database takes that memory
    // with it when it ends (about 900 MB against 300 MB for one thread that creates and serves).
    await (await launch({ ...options, onCrash: undefined })).stop();
  }
  return launch(options);
}

async function launch(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const start: WorkerStart = {
    dataDir: options.dataDir,
    loadDataDir: options.loadDataDir,
    socketDir: preferredSocketDir(options.dataDir),
    socketName: SOCKET_NAME,
    settings: { ...EMBEDDED_SETTINGS, ...options.settings },
  };
  const entry = workerEntry();
  const worker = new Worker(entry.script, {
    eval: entry.eval,
    workerData: start,
    // The thread's garbage is the socket server's short-lived buffers; V8's default young generation
    // (tens of MB) would hold 20-30 MB more RSS for them without answering any faster.
    resourceLimits: { maxYoungGenerationSizeMb: 4 },
    // Its logs would otherwise interleave unformatted with the app's; PGlite writes nothing there
    // that the app does not hear of through a failed query or start.
    stdout: true,
    stderr: true,
  });
  worker.stdout.resume();
  let stderr = "";
  worker.stderr.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  if (options.ref === false) worker.unref();

  let stopping = false;
  let exited = false;
  // Where the thread listens, once it says.
  let socket: { dir: string; temporary: boolean } | undefined;
  // Also when the process exits with the thread running (tests leave idle ones to the exit).
  const removeTemporarySocket = () => {
    if (socket?.temporary) rmSync(socket.dir, { recursive: true, force: true });
  };
  process.once("exit", removeTemporarySocket);
  const exit = new Promise<number>((resolve) =>
    worker.once("exit", (code) => {
      exited = true;
      removeTemporarySocket();
      process.off("exit", removeTemporarySocket);
      resolve(code);
    }),
  );
  // Why the thread ended: an uncaught error (a failed start), or PGlite's own failure.
  let failure: Error | undefined;
  worker.on("error", (error) => {
    failure = error;
  });
  let fatal: string | undefined;
  // Answers come in the order of their requests, one kind at a time.
  const waiting: { type: WorkerReport["type"]; resolve: (report: WorkerReport) => void }[] = [];
  worker.on("message", (report: WorkerReport) => {
    if (report.type === "fatal") fatal = report.message;
    const index = waiting.findIndex((entry) => entry.type === report.type);
    if (index >= 0) waiting.splice(index, 1)[0]?.resolve(report);
  });
  const next = <T extends WorkerReport["type"]>(type: T) =>
    new Promise<Extract<WorkerReport, { type: T }>>((resolve, reject) => {
      waiting.push({ type, resolve: (report) => resolve(report as Extract<WorkerReport, { type: T }>) });
      void exit.then((code) => reject(failure ?? threadEnded(code, fatal, stderr)));
    });

  try {
    socket = await Promise.race([
      next("ready"),
      exit.then((code) => {
        throw failure ?? threadEnded(code, fatal, stderr);
      }),
    ]);
  } catch (error) {
    await exit;
    throw error;
  }
  const socketDir = socket.dir;
  void exit.then((code) => {
    if (!stopping) options.onCrash?.(failure ?? threadEnded(code, fatal, stderr));
  });

  const request = (message: WorkerRequest) => worker.postMessage(message);
  let stopped: Promise<void> | undefined;
  return {
    poolConfig: {
      host: socketDir,
      port: SOCKET_PORT,
      user: "postgres",
      database: "postgres",
      // Never ask PGSSLMODE's SSL of a unix socket.
      ssl: false,
      max: 1,
      // Never reaped when idle: the one connection is the session.
      idleTimeoutMillis: 0,
    },
    async dump() {
      const dumped = next("dumped");
      request({ type: "dump" });
      return (await dumped).tarball;
    },
    stop() {
      stopped ??= (async () => {
        if (exited) return;
        stopping = true;
        const done = next("stopped");
        request({ type: "stop" });
        const timer = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
        try {
          await done;
        } finally {
          clearTimeout(timer);
          await exit;
        }
      })();
      return stopped;
    },
    async terminate() {
      await worker.terminate();
      await exit;
    },
  };
}

function threadEnded(code: number, fatal: string | undefined, stderr: string): Error {
  const why = fatal ?? (stderr.trim() || `exit code ${code}`);
  return new Error(`the embedded database stopped unexpectedly: ${why}`);
}

/**
 * The socket lives in the data directory when its path is short enough: the directory's permissions
 * guard it, and its lock makes a leftover socket file safe to replace. Else, or where the directory's
 * filesystem has no sockets, the thread makes a private temporary directory for it.
 */
function preferredSocketDir(dataDir: string | undefined): string | undefined {
  if (dataDir === undefined) return undefined;
  const dir = realpathSync(dataDir);
  return join(dir, SOCKET_NAME).length <= MAX_SOCKET_PATH ? dir : undefined;
}

/** tsc's output of the worker, where the bundled CLI and the TypeScript sources find it. */
const BUILT_WORKER = join(PACKAGE_ROOT, "dist", "store", "pglite-worker.js");

/**
 * The worker's module. From tsc's output (npm start) it is the .js beside this file; from the bundled
 * CLI, whose chunks hold this code but not the worker, tsc's output under dist/store/. From TypeScript
 * sources (tsx, vitest) it is that same output when `npm run build` made it after the last edit of
 * pglite-worker.ts (the worker imports only Node and PGlite, so its own source is all it is built from;
 * test/unit/embedded-worker-entry.test.ts keeps it so), else the .ts itself, loaded with tsx's tsImport:
 * a worker thread of Node 20 inherits no loader hooks, and tsx's own loader registers none in a worker.
 * tsImport starts a loader thread of its own and costs about 0.3 s of CPU per start, which the test
 * suite, starting dozens of embedded databases, paid on every one (README "Development").
 */
export function workerEntry(
  here: string = import.meta.url,
  built: string = BUILT_WORKER,
): { script: URL | string; eval?: boolean } {
  if (here.endsWith(".ts")) {
    const source = new URL("./pglite-worker.ts", here);
    if (builtSince(built, fileURLToPath(source))) return { script: pathToFileURL(built) };
    // The ES module build of tsx/esm/api; require.resolve finds its CommonJS twin beside it, which
    // cannot load tsx's hooks.
    const api = pathToFileURL(
      createRequire(import.meta.url)
        .resolve("tsx/esm/api")
        .replace(/\.cjs$/, ".mjs"),
    ).href;
    return {
      script: `import(${JSON.stringify(api)}).then((tsx) => tsx.tsImport(${JSON.stringify(source.href)}, ${JSON.stringify(here)}));`,
      eval: true,
    };
  }
  const beside = new URL("./pglite-worker.js", here);
  if (existsSync(fileURLToPath(beside))) return { script: beside };
  return { script: pathToFileURL(BUILT_WORKER) };
}

/** Whether `built` exists and was written no earlier than `source` was last changed (as make decides). */
function builtSince(built: string, source: string): boolean {
  try {
    return statSync(built).mtimeMs >= statSync(source).mtimeMs;
  } catch {
    return false;
  }
}
