import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isSealed, OpenError, open, parseKey, seal } from "../../src/secret-box.js";
import { AtRest, AtRestKeyError } from "../../src/store/at-rest.js";

// The cipher (src/secret-box.ts) and the store's use of it (src/store/at-rest.ts), without a database.

const key = randomBytes(32);

describe("secret box", () => {
  it("seals each value under a fresh IV, opens it with the key, and nothing else", () => {
    const a = seal(key, "pricing came up");
    const b = seal(key, "pricing came up");
    expect(a).not.toBe(b);
    expect(a).not.toContain("pricing");
    expect(isSealed(a)).toBe(true);
    expect(open(key, a)).toBe("pricing came up");
    expect(open(key, seal(key, ""))).toBe("");
    expect(open(key, seal(key, "emoji 🙂 and ünïcode"))).toBe("emoji 🙂 and ünïcode");
    expect(() => open(randomBytes(32), a)).toThrow(OpenError);
    const [v, iv, tag, data] = a.split(".") as [string, string, string, string];
    const flipped = Buffer.from(data, "base64");
    flipped[0] = (flipped[0] as number) ^ 1;
    expect(() => open(key, [v, iv, tag, flipped.toString("base64")].join("."))).toThrow(OpenError);
  });

  it("recognises only its own exact shape", () => {
    expect(isSealed("v1.a.b.c")).toBe(false);
    expect(isSealed("plain text that mentions v1.")).toBe(false);
    expect(isSealed(`x${seal(key, "t")}`)).toBe(false);
    expect(() => open(key, "not sealed")).toThrow(OpenError);
  });

  it("takes a key as 64 hex characters or 32 bytes of base64, and refuses anything else", () => {
    expect(parseKey("ab".repeat(32))).toEqual(Buffer.alloc(32, 0xab));
    expect(parseKey(key.toString("base64"))).toEqual(key);
    expect(parseKey("ab".repeat(31))).toBeUndefined();
    expect(parseKey("short")).toBeUndefined();
  });
});

describe("the store's sealing", () => {
  const atRest = new AtRest({ key, name: "TOKEN_ENCRYPTION_KEY" });

  it("seals only the named JSON paths, leaves the input alone, and opens them again", () => {
    const state = { snapshot: { id: "D1", name: "Acme renewal", ownerEmail: "ann@example.com" }, moves: 2 };
    const sealed = atRest.sealJson(state, [
      ["snapshot", "name"],
      ["snapshot", "nextStep"],
      ["missing", "x"],
    ]);
    expect(state.snapshot.name).toBe("Acme renewal");
    expect(JSON.stringify(sealed)).not.toContain("Acme");
    expect(sealed.snapshot.ownerEmail).toBe("ann@example.com");
    expect(sealed.snapshot).not.toHaveProperty("nextStep");
    expect(atRest.openJson(sealed, [["snapshot", "name"]])).toEqual(state);
  });

  it("reads a value stored before encryption as it is, and a value under another key as a clear error", () => {
    expect(atRest.openText("written before encryption")).toBe("written before encryption");
    const other = new AtRest({ key: randomBytes(32), name: "the key file /data/at-rest.key" });
    expect(() => other.openText(atRest.sealText("secret"))).toThrow(AtRestKeyError);
    expect(() => other.openText(atRest.sealText("secret"))).toThrow(
      /^the key file \/data\/at-rest.key is not the key this database's reflections and CRM notes/,
    );
  });

  it("scrubs what PostgreSQL could not hold before sealing it, as the store does with every string", () => {
    expect(atRest.openText(atRest.sealText("a\u0000b\ud800c"))).toBe("a\uFFFDb\uFFFDc");
  });
});
