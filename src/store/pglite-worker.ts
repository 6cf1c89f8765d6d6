import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

// The embedded database's own thread. PGlite is PostgreSQL compiled to WebAssembly: each query runs
// synchronously on the thread that holds it, so here it blocks only this thread, never the app's
// event loop. The app reaches it through the PostgreSQL wire protocol on a unix socket, with the same
// pg.Pool it uses for a PostgreSQL server (embedded-database.ts starts this thread).

/** What the starting thread tells this one (workerData). */
export interface WorkerStart {
  /** PGDATA on disk; absent: in memory (tests). */
  dataDir?: string;
  /** A data directory's tarball to start from instead of initdb (tests' migrated template). */
  loadDataDir?: Uint8Array<ArrayBuffer>;
  /** Where to listen if it can: a directory for the unix socket; else a temporary one. */
  socketDir?: string;
  /** The socket's name, as PostgreSQL names them (.s.PGSQL.5432). */
  socketName: string;
  /** PostgreSQL settings (postgres -c NAME=VALUE) beyond PGlite's defaults. */
  settings: Record<string, string>;
}

/** Requests from the starting thread. */
export type WorkerRequest = { type: "stop" } | { type: "dump" };

/** What this thread reports. A start-up failure is thrown instead and reaches the Worker's "error". */
export type WorkerReport =
  | { type: "ready"; dir: string; temporary: boolean }
  | { type: "stopped" }
  | { type: "dumped"; tarball: Uint8Array<ArrayBuffer> }
  | { type: "fatal"; message: string };

const port = parentPort;
if (!port) throw new Error("pglite-worker runs as a worker thread (see embedded-database.ts)");
const start = workerData as WorkerStart;
const report = (message: WorkerReport) => port.postMessage(message);

// V8 compiles WebAssembly with its baseline compiler, Liftoff, then recompiles hot functions with
// TurboFan, keeping both. For PGlite that second copy is about 55 MB of RSS, for no measurable gain
// on the store's small queries (10,000 /coach commands' worth: 37.3 s either way); a sort of 200,000
// rows takes 1.5-2 times as long, here in this thread, away from the app's event loop. The flag is
// the process's, read when a module is compiled; the app compiles no other WebAssembly of weight.
setFlagsFromString("--liftoff-only");
const pglite = await PGlite.create({
  dataDir: start.dataDir,
  loadDataDir: start.loadDataDir ? new Blob([start.loadDataDir]) : undefined,
  // PGlite's own start-up arguments (single-user mode and the like) first; later ones win.
  startParams: [
    ...PGlite.defaultStartParams,
    ...Object.entries(start.settings).flatMap(([name, value]) => ["-c", `${name}=${value}`]),
  ],
});

// PGlite answers a failed statement with an ErrorResponse on the wire; a throw means PGlite itself is
// broken (out of memory, a WebAssembly trap). The socket server would then log it and leave its query
// queue stuck, so every later query would hang: end the thread instead, and the app's connections
// fail at once.
const execute = pglite.execProtocolRawStream.bind(pglite);
pglite.execProtocolRawStream = async (...args) => {
  try {
    return await execute(...args);
  } catch (error) {
    report({ type: "fatal", message: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  }
};

// The app keeps one connection (pg.Pool max 1): PGlite is a single session, and the server's
// multiplexer keeps transactions apart but not session state. More than one slot only lets a
// reconnect in before the server has noticed the old connection close.
async function listen(dir: string): Promise<PGLiteSocketServer> {
  const path = join(dir, start.socketName);
  // A socket file left by a process that was killed (the data directory's lock says it is gone).
  rmSync(path, { force: true });
  const server = new PGLiteSocketServer({ db: pglite, path, maxConnections: 4 });
  await server.start();
  return server;
}

let socket: { dir: string; temporary: boolean } | undefined;
let server: PGLiteSocketServer | undefined;
if (start.socketDir !== undefined) {
  try {
    server = await listen(start.socketDir);
    socket = { dir: start.socketDir, temporary: false };
  } catch {
    // A filesystem without sockets (some network and container mounts): a temporary directory.
  }
}
if (!server || !socket) {
  // The starting thread removes it when this one ends.
  socket = { dir: mkdtempSync(join(tmpdir(), "deal-coach-db-")), temporary: true };
  server = await listen(socket.dir);
}
const serving = server;
const socketPath = join(socket.dir, start.socketName);
report({ type: "ready", ...socket });

port.on("message", async (request: WorkerRequest) => {
  if (request.type === "dump") {
    const tarball = new Uint8Array(await (await pglite.dumpDataDir("none")).arrayBuffer());
    port.postMessage({ type: "dumped", tarball } satisfies WorkerReport, [tarball.buffer]);
    return;
  }
  await serving.stop();
  // Checkpoints and closes the data directory.
  await pglite.close();
  rmSync(socketPath, { force: true });
  report({ type: "stopped" });
  port.close();
});
