import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { firstUnstorable, scrubDeep, scrubText } from "../../src/scrub.js";
import { scrubParameter } from "../../src/store/scrub-plugin.js";

const R = "\uFFFD";

describe("scrubText", () => {
  it("replaces NUL and lone surrogates, keeps pairs and everything else", () => {
    expect(scrubText("a\u0000b")).toBe(`a${R}b`);
    expect(scrubText("x\uD800")).toBe(`x${R}`);
    expect(scrubText("\uDC00x")).toBe(`${R}x`);
    expect(scrubText("\uDC00\uD800")).toBe(`${R}${R}`);
    expect(scrubText("ok 😀 \uD83D\uDE00")).toBe("ok 😀 \uD83D\uDE00");
    expect(scrubText("\uD83D😀")).toBe(`${R}😀`);
    const clean = "plain text, é, 日本";
    expect(scrubText(clean)).toBe(clean);
    expect(firstUnstorable(clean)).toBe(-1);
    expect(firstUnstorable("ab\u0000")).toBe(2);
  });

  it("always gives well-formed text without NUL, of the same length, unchanged where it was fine", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        const out = scrubText(s);
        expect(out).toHaveLength(s.length);
        expect(firstUnstorable(out)).toBe(-1);
        // Encoding to UTF-8 and back loses nothing once scrubbed.
        expect(Buffer.from(out, "utf8").toString("utf8")).toBe(out);
        if (firstUnstorable(s) < 0) expect(out).toBe(s);
      }),
    );
  });

  it("takes linear time on 1 MB", () => {
    const big = "\uD800a\u0000".repeat(350_000);
    const started = performance.now();
    expect(firstUnstorable(scrubText(big))).toBe(-1);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("scrubDeep", () => {
  it("repairs strings and keys at any depth and returns clean values as they were", () => {
    const clean = { a: [1, "x", { b: null }], c: true };
    expect(scrubDeep(clean)).toBe(clean);
    expect(scrubDeep({ n: 1, list: ["ok", "bad\u0000"], "k\uD800": { deep: "\uDC00" } })).toEqual({
      n: 1,
      list: ["ok", `bad${R}`],
      [`k${R}`]: { deep: R },
    });
  });
});

describe("the store's parameter scrub", () => {
  it("repairs escapes inside JSON text, and leaves text that only looks like them alone", () => {
    const json = JSON.stringify({ note: "a\u0000b", name: "\uD800", ok: "\\u0000 typed" });
    expect(JSON.parse(scrubParameter(json) as string)).toEqual({
      note: `a${R}b`,
      name: R,
      ok: "\\u0000 typed",
    });
    // A literal backslash-u in plain text, or in JSON where it is escaped itself, is not an escape.
    expect(scrubParameter("a note about \\u0000")).toBe("a note about \\u0000");
    const typed = JSON.stringify({ text: "\\ud800 typed" });
    expect(scrubParameter(typed)).toBe(typed);
    expect(scrubParameter(42)).toBe(42);
    expect(scrubParameter("raw\u0000")).toBe(`raw${R}`);
  });
});
