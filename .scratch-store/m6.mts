import { readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";

const origSet = globalThis.setTimeout;
(globalThis as any).setTimeout = (fn: any, ms: number, ...a: any[]) => {
  if (ms > 100) console.log("setTimeout", ms, new Error().stack?.split("\n").slice(2, 4).join(" | "));
  return origSet(fn, ms, ...a);
};
const dir = join(tmpdir(), "deal-coach-test");
const blob = new Blob([readFileSync(join(dir, readdirSync(dir)[0]!))]);
const p = await PGlite.create({ loadDataDir: blob });
console.log(
  (await p.query("show statement_timeout")).rows,
  (await p.query("show idle_session_timeout")).rows,
);
process.exit(0);
