import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { coach } from "../src/coaching/coach.js";
import { checkReply } from "../src/coaching/guard.js";
import { loadLibrary } from "../src/coaching/library.js";
import { BUILT_IN_LIBRARY_DIR, PACKAGE_ROOT } from "../src/paths.js";
import { DEAL_MESSAGES } from "../test/fixtures/deal-messages.js";
import { fmt, summarize } from "./stats.js";

// coach() and guard throughput on one core over a fixed set of messages, and `deal-coach ask` end to end.

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

function timeLoop<T>(
  items: readonly T[],
  run: (item: T) => unknown,
): { perSecond: number; p50: number; p99: number } {
  const samples: number[] = [];
  // Warm up the JIT before measuring.
  for (let i = 0; i < 2_000; i++) run(items[i % items.length] as T);
  const end = performance.now() + SECONDS * 1000;
  const started = performance.now();
  let calls = 0;
  while (performance.now() < end) {
    const t0 = performance.now();
    run(items[calls % items.length] as T);
    samples.push(performance.now() - t0);
    calls++;
  }
  const s = summarize(samples);
  return { perSecond: calls / ((performance.now() - started) / 1000), p50: s.p50, p99: s.p99 };
}

export function benchCoach(): string[] {
  const library = loadLibrary(BUILT_IN_LIBRARY_DIR);
  const situations = DEAL_MESSAGES.map((m) => ({ text: m.text }));
  const c = timeLoop(situations, (s) => coach(library, s));
  const replies = [...library.questions.values()].map((q) => q.text);
  replies.push(
    "You should call the CFO.",
    "Why don't you offer a pilot?",
    "What discount gets this signed in Q2?",
  );
  const g = timeLoop(replies, (r) => checkReply(r));

  const cli = join(PACKAGE_ROOT, "dist", "cli.js");
  if (!existsSync(cli)) execFileSync("npm", ["run", "build"], { cwd: PACKAGE_ROOT, stdio: "ignore" });
  const wall: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      [cli, "ask", "they loved the demo and nobody pushed back on price"],
      { encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`deal-coach ask failed: ${r.stderr}`);
    wall.push(performance.now() - t0);
  }
  const w = summarize(wall);
  return [
    `| coach() over ${situations.length} messages, full library | ${Math.round(c.perSecond).toLocaleString("en")} calls/s | p50 ${fmt(c.p50)} ms, p99 ${fmt(c.p99)} ms |`,
    `| guard checkReply() over ${replies.length} replies | ${Math.round(g.perSecond).toLocaleString("en")} checks/s | p50 ${fmt(g.p50)} ms, p99 ${fmt(g.p99)} ms |`,
    `| \`deal-coach ask\` wall time (node dist/cli.js, ${w.n} runs) | median ${fmt(w.p50, 0)} ms | p99 ${fmt(w.p99, 0)} ms, max ${fmt(w.max, 0)} ms |`,
  ];
}
