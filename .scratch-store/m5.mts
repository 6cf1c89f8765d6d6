import { readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";

const dir = join(tmpdir(), "deal-coach-test");
const blob = new Blob([readFileSync(join(dir, readdirSync(dir)[0]!))]);
const p = await PGlite.create({ loadDataDir: blob });
console.log((await p.query("select 1 as x")).rows);
console.log(process.getActiveResourcesInfo());
