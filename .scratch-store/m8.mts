import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, migrate } from "../src/store/open.ts";
const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), "dc-exit-"));
const s = await openStore({ dataDir: dir, logger: { info: (o, m) => console.log(m, o) } });
await s.upsertUser({ teamId: "T", userId: "U" });
if (process.argv[3] === "crash") { console.log(dir); process.kill(process.pid, "SIGKILL"); }
await s.close();
console.log(await migrate({ dataDir: dir }));
console.log(dir, process.getActiveResourcesInfo());
