import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../src/store/open.ts";

const t = () => performance.now();
const mode = process.argv[2];
if (mode === "fresh") {
  for (let i = 0; i < 2; i++) {
    const s = t();
    const store = await openStore({ dataDir: mkdtempSync(join(tmpdir(), "dc-fresh-")) });
    console.log("openStore on a new data dir", (t() - s).toFixed(0), "ms");
    await store.close();
  }
} else {
  const { testStore } = await import("../test/support/store.ts");
  for (let i = 0; i < 6; i++) {
    const s = t();
    const store = await testStore();
    const opened = t() - s;
    await store.upsertUser({ teamId: "T", userId: "U" });
    const s2 = t();
    await store.close();
    console.log(
      process.env.TEST_STORE ?? "pglite",
      "testStore",
      opened.toFixed(0),
      "ms; close",
      (t() - s2).toFixed(0),
      "ms; rss",
      (process.memoryUsage().rss / 1e6).toFixed(0),
      "MB",
    );
  }
}
console.log(
  "handles",
  (process as any)._getActiveHandles().map((h: any) => h.constructor.name),
  (process as any)._getActiveRequests().map((h: any) => h.constructor.name),
);
