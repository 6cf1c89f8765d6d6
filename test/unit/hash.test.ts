import { describe, expect, it } from "vitest";
import { fnv1a } from "../../src/coaching/hash.js";

// The published FNV-1a 32-bit test vectors: a change here would reshuffle every seeded choice.
describe("fnv1a", () => {
  it("matches the reference vectors", () => {
    expect(fnv1a("")).toBe(0x811c9dc5);
    expect(fnv1a("a")).toBe(0xe40c292c);
    expect(fnv1a("foobar")).toBe(0xbf9cf968);
  });
  it("is unsigned", () => {
    for (const s of ["a", "deal", "\u0000x", "é"]) expect(fnv1a(s)).toBeGreaterThanOrEqual(0);
  });
});
