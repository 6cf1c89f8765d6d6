import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { jsonLines, runCli } from "../support/cli.js";

// 100 KB lines through the real CLI (built bin, dist/cli.js). A process start costs time of its own
// (node, the bundle, the library: a few hundred ms, more on a busy machine), so the bound is honest
// about it: each run may take at most 1 s more than the same command on a one-line input, measured
// just before. The old patterns took tens of seconds on these lines.

const KB100 = 100_000;
const BUDGET_MS = 1_000;
const run = (unit: string) => unit.repeat(Math.ceil(KB100 / unit.length)).slice(0, KB100);
const LINES: Record<string, string> = {
  stars: `a${run("*")}a`,
  underscores: `a${run("_")}a`,
  quotes: `a${run('"')}a`,
  parens: `a${run(")")}a`,
  "a@ and dots": `a@${run(".")} a`,
};

async function timedCli(args: string[], stdin?: string) {
  const started = performance.now();
  const result = await runCli(args, { stdin, dist: true });
  return { ...result, ms: performance.now() - started };
}

describe("deal-coach with 100 KB lines", () => {
  it("ask: each line coached within 1 s of a one-line ask", async () => {
    const baseline = await timedCli(["ask", "--json", "they went quiet"]);
    expect(baseline.code).toBe(0);
    for (const [name, line] of Object.entries(LINES)) {
      const long = await timedCli(["ask", "--json", line]);
      expect(long.code, `${name}: ${long.stderr}`).toBe(0);
      expect(JSON.parse(long.stdout).questions.length, name).toBeGreaterThan(0);
      expect(long.ms - baseline.ms, name).toBeLessThan(BUDGET_MS);
    }
    const jsonl = Object.values(LINES)
      .map((text) => JSON.stringify({ text }))
      .join("\n");
    const all = await timedCli(["ask", "--jsonl"], `${jsonl}\n`);
    expect(jsonLines(all.stdout)).toHaveLength(5);
    // Five lines in one process: five analyses' worth over the baseline.
    expect(all.ms - baseline.ms).toBeLessThan(5 * BUDGET_MS);
  }, 120_000);

  it("lint: each line judged within 1 s of a one-line lint, as too long", async () => {
    const baseline = await timedCli(["lint"], "Who decides?\n");
    expect(baseline.code).toBe(0);
    for (const [name, line] of Object.entries(LINES)) {
      const long = await timedCli(["lint"], `${line}\n`);
      expect(long.ms - baseline.ms, name).toBeLessThan(BUDGET_MS);
      expect(long.code, name).toBe(1);
      const [verdict] = jsonLines(long.stdout);
      expect(verdict?.reasons, name).toContain("too_long");
    }
  }, 120_000);
});
