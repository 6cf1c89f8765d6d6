import { cpus } from "node:os";
import { benchAckLoad } from "./ack-load.bench.js";
import { benchCoach } from "./coach.bench.js";
import { benchFit } from "./fit.bench.js";
import { benchLlm } from "./llm.bench.js";
import { benchRss } from "./rss.bench.js";
import { benchSlackAck } from "./slack-ack.bench.js";
import { benchWebhooks } from "./webhooks.bench.js";
import { benchWeekly } from "./weekly.bench.js";

// `npm run bench [-- NAME...]`: runs the named benchmarks (all by default) and prints Markdown rows for
// BENCHMARKS.md, headed with the date and the machine.

const BENCHES: Record<string, () => string[] | Promise<string[]>> = {
  "ack-load": benchAckLoad,
  coach: benchCoach,
  fit: benchFit,
  llm: benchLlm,
  rss: benchRss,
  "slack-ack": benchSlackAck,
  webhooks: benchWebhooks,
  weekly: benchWeekly,
};

const wanted = process.argv.slice(2);
const names = wanted.length > 0 ? wanted : Object.keys(BENCHES);
const cpu = cpus()[0]?.model ?? "unknown CPU";
console.log(
  `${new Date().toISOString().slice(0, 10)} · Node ${process.version} · ${cpus().length} × ${cpu}\n`,
);
console.log("| benchmark | result | latency |\n|---|---|---|");
for (const name of names) {
  const bench = BENCHES[name];
  if (!bench) throw new Error(`unknown benchmark "${name}" (known: ${Object.keys(BENCHES).join(", ")})`);
  for (const row of await bench()) console.log(row);
}
