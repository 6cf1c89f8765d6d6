import { PGlite } from "@electric-sql/pglite";
import { openStoreWith } from "/work/main/src/store/open.ts";

const pglite = await PGlite.create();
console.log("created");
const store = await openStoreWith({ pglite, borrowed: true });
console.log("opened");
await store.upsertUser({ teamId: "T", userId: "U" });
console.log("upserted");
await store.close();
console.log("closed");
console.log((await pglite.query("select 1 as x")).rows);
