import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../src/paths.js";

// The suite skips `npm run build` when dist/ carries the digest of the build's inputs as they are
// (test/global-setup.ts, scripts/build-stamp.mjs). A stale dist/ must never pass for current: each kind
// of input that changes what the build makes must change the digest.

const root = mkdtempSync(join(tmpdir(), "deal-coach-stamp-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function stamp(command: "clear" | "write" | "check"): number {
  try {
    execFileSync(process.execPath, [join(PACKAGE_ROOT, "scripts", "build-stamp.mjs"), command, root], {
      stdio: "ignore",
    });
    return 0;
  } catch (error) {
    return (error as { status: number }).status;
  }
}

function put(path: string, text: string): void {
  mkdirSync(join(root, path, ".."), { recursive: true });
  writeFileSync(join(root, path), text);
}

describe("the build stamp", () => {
  it("is current only for the inputs it was written from, and never after a clear", () => {
    for (const file of ["src/a.ts", "src/store/b.ts", "prompts/themes/x.yml", "scripts/bundle.mjs"])
      put(file, "one");
    for (const file of ["tsconfig.json", "tsconfig.build.json", "package.json", "package-lock.json"])
      put(file, "{}");
    mkdirSync(join(root, "dist"));
    expect(stamp("check")).toBe(1);
    expect(stamp("write")).toBe(0);
    expect(stamp("check")).toBe(0);

    const edits: Array<[string, string]> = [
      ["src/store/b.ts", "two"],
      ["src/new-file.ts", "new"],
      ["prompts/themes/x.yml", "edited"],
      ["scripts/bundle.mjs", "edited"],
      ["tsconfig.build.json", '{"x":1}'],
      ["package-lock.json", '{"lockfileVersion":3}'],
    ];
    for (const [file, text] of edits) {
      put(file, text);
      expect(stamp("check"), `an edit of ${file} leaves dist/ stale`).toBe(1);
      expect(stamp("write")).toBe(0);
      expect(stamp("check")).toBe(0);
    }
    // A file renamed, same content: a different input set.
    rmSync(join(root, "src/new-file.ts"));
    put("src/renamed.ts", "new");
    expect(stamp("check")).toBe(1);

    expect(stamp("write")).toBe(0);
    expect(stamp("clear")).toBe(0);
    expect(stamp("check")).toBe(1);
  });

  it("is written by `npm run build` itself, as its last step, after being cleared as its first", () => {
    const build = (
      JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as {
        scripts: { build: string };
      }
    ).scripts.build.split(" && ");
    expect(build[0]).toBe("node scripts/build-stamp.mjs clear");
    expect(build.at(-1)).toBe("node scripts/build-stamp.mjs write");
  });
});
