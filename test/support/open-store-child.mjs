import { openStore } from "../../dist/store/open.js";

// A process that opens the embedded store in the data directory given, commits a user, says so and
// waits to be killed (store-open.test.ts kills it with SIGKILL). It runs the build in dist/ (made by
// test/global-setup.ts) with plain node: loading src/ through tsx took most of the test's time.

const dataDir = process.argv[2];
if (!dataDir) throw new Error("usage: open-store-child.mjs DATA_DIR");
const store = await openStore({ dataDir });
await store.upsertUser({ teamId: "T1", userId: "U_KILLED" }, { tz: "Asia/Tokyo" });
process.stdout.write("committed\n");
setInterval(() => undefined, 60_000);
