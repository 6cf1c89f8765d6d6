import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import { workerEntry } from "../../src/store/embedded-database.js";
import type { WorkerReport, WorkerStart } from "../../src/store/pglite-worker.js";
import { migratedTemplate } from "../support/store.js";

// From TypeScript sources the embedded database's thread runs tsc's build of pglite-worker.ts when the
// build is at least as new as the source, else the source through tsx (src/store/embedded-database.ts).
// The build can stand in for the source only while the source is all it is built from.

const WORKER_SOURCE = fileURLToPath(new URL("../../src/store/pglite-worker.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "deal-coach-worker-entry-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the embedded database's worker module", () => {
  it("imports nothing of ours, only Node's modules and PGlite's (so its build depends on it alone)", () => {
    const text = readFileSync(WORKER_SOURCE, "utf8");
    const specifiers = [
      ...[...text.matchAll(/^\s*(?:import|export)\b(?!\s+type\b)[^;]*?\bfrom\s+"([^"]+)"/gm)].map(
        (m) => m[1],
      ),
      ...[...text.matchAll(/\bimport\(\s*"([^"]+)"/g)].map((m) => m[1]),
    ];
    expect(specifiers.length).toBeGreaterThan(3);
    expect(specifiers.filter((s) => !s?.startsWith("node:") && !s?.startsWith("@electric-sql/"))).toEqual([]);
  });

  it("from sources, is the build when written since the source's last change, else the source via tsx", () => {
    const here = pathToFileURL(join(dir, "embedded-database.ts")).href;
    const source = join(dir, "pglite-worker.ts");
    const built = join(dir, "pglite-worker.js");
    writeFileSync(source, "export {};\n");
    writeFileSync(built, "export {};\n");
    const at = (path: string, seconds: number) => utimesSync(path, seconds, seconds);

    at(source, 1_000);
    at(built, 2_000);
    expect(workerEntry(here, built)).toEqual({ script: pathToFileURL(built) });
    at(built, 1_000);
    expect(workerEntry(here, built)).toEqual({ script: pathToFileURL(built) });

    // The source edited after the build: the build is stale.
    at(source, 3_000);
    const stale = workerEntry(here, built);
    expect(stale.eval).toBe(true);
    expect(stale.script).toContain("tsImport");
    expect(stale.script).toContain(pathToFileURL(source).href);

    rmSync(built);
    expect(workerEntry(here, built).eval).toBe(true);
  });

  it("from tsc's output, is the .js beside it", () => {
    const here = pathToFileURL(join(dir, "embedded-database.js")).href;
    writeFileSync(join(dir, "pglite-worker.js"), "export {};\n");
    expect(workerEntry(here, "/nowhere.js")).toEqual({ script: new URL("./pglite-worker.js", here) });
  });

  it("through tsx, the source starts a database that answers ready and stops", async () => {
    const here = new URL("../../src/store/embedded-database.ts", import.meta.url).href;
    const entry = workerEntry(here, join(dir, "never-built.js"));
    expect(entry.eval).toBe(true);
    const start: WorkerStart = {
      loadDataDir: await migratedTemplate(),
      socketName: ".s.PGSQL.5432",
      settings: {},
    };
    const worker = new Worker(entry.script, {
      eval: entry.eval,
      workerData: start,
      stdout: true,
      stderr: true,
    });
    const reports: WorkerReport[] = [];
    const waiting = new Map<WorkerReport["type"], (report: WorkerReport) => void>();
    worker.on("message", (report: WorkerReport) => {
      reports.push(report);
      waiting.get(report.type)?.(report);
    });
    const failed = new Promise<never>((_, reject) => worker.once("error", reject));
    const next = (type: WorkerReport["type"]) =>
      Promise.race([new Promise<WorkerReport>((resolve) => waiting.set(type, resolve)), failed]);
    const exited = new Promise<number>((resolve) => worker.once("exit", resolve));

    const ready = await next("ready");
    const stopped = next("stopped");
    worker.postMessage({ type: "stop" });
    await stopped;
    await exited;
    // The thread listened on a socket of its own making; as startEmbeddedDatabase does, remove it.
    if (ready.type === "ready" && ready.temporary) rmSync(ready.dir, { recursive: true, force: true });
    expect(reports.map((report) => report.type)).toEqual(["ready", "stopped"]);
  }, 60_000);
});
