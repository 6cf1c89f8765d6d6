import { check } from "recheck";
import { readFileSync } from "node:fs";
const rows = JSON.parse(readFileSync("/tmp/prof/parts.json","utf8")).sort((a,b)=>b.ms-a.ms).slice(2, 42);
const t0 = Date.now(); let was = 0; const diff = [];
for (const r of rows) { const d = await check(r.part, r.flags, { timeout: 20000, randomSeed: 0 }); was += r.ms; if (d.status !== r.status) diff.push([r.status, d.status, r.part.slice(0,50)]); }
console.log(process.env.RECHECK_BACKEND ?? "auto", "took", Date.now() - t0, "native-profile", was, "diff", JSON.stringify(diff));
process.exit(0);
