import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { LIBRARY_CACHE_FILE, type Library, loadLibrary, readLibrary } from "../../src/coaching/library.js";
import {
  buildParsedCache,
  contentKey,
  parseYamlCached,
  readParsedCache,
} from "../../src/coaching/yaml-cache.js";
import { BUILT_IN_LIBRARY_DIR } from "../../src/paths.js";

// The parsed-YAML cache: a hit gives exactly what `yaml` would, a fresh copy each time; a miss (an
// edited file, an organisation's own library) is parsed as YAML. `yaml`'s parse is wrapped in a spy so
// the tests can tell a hit from a parse.

vi.mock("yaml", async (importOriginal) => {
  const actual = await importOriginal<typeof import("yaml")>();
  return { ...actual, parse: vi.fn(actual.parse) };
});
const parseSpy = vi.mocked(parse);

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "deal-coach-yaml-cache-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The built-in library's YAML files, as `npm run build` lists them. */
function builtInFiles(): string[] {
  const themes = join(BUILT_IN_LIBRARY_DIR, "themes");
  return [
    ...readdirSync(themes)
      .filter((name) => /\.ya?ml$/.test(name))
      .sort()
      .map((name) => join(themes, name)),
    join(BUILT_IN_LIBRARY_DIR, "reflections.yml"),
    join(BUILT_IN_LIBRARY_DIR, "person.yml"),
  ];
}

const THEME = `id: budget
title: Funding and priority
stages: [qualification, proposal]
questions:
  - id: budget.which-line
    text: "Which budget line would fund this: and what else is queued?"
    stages: [qualification]
    cues: [freeze, frozen]
    follow_ups:
      - id: budget.which-line.f1
        text: Who decides between those claims on the money?
  - id: budget.empty
    disabled: true
    count: 3
    ratio: 0.5
    nothing: ~
description: >-
  Folded text
  over two lines.
`;

describe("contentKey", () => {
  it("is the same for the same text and differs for any change", () => {
    expect(contentKey(THEME)).toBe(contentKey(`${THEME}`));
    expect(contentKey(THEME)).not.toBe(contentKey(`${THEME} `));
    expect(contentKey(THEME)).not.toBe(contentKey(THEME.replace("budget", "Budget")));
    expect(contentKey(THEME)).toMatch(/^[A-Za-z0-9_-]{43}$/); // sha-256, base64url
  });
});

describe("buildParsedCache + parseYamlCached", () => {
  it("give back exactly what yaml's parse gives, without parsing YAML again", () => {
    const texts = [THEME, "reflections:\n  - id: week.a\n    text: What?\n", "- 1\n- two\n- true\n", "plain"];
    const built = buildParsedCache(texts);
    expect(Object.keys(built).sort()).toEqual(texts.map(contentKey).sort());
    const cache = new Map(Object.entries(built));
    for (const text of texts) {
      parseSpy.mockClear();
      const cached = parseYamlCached(text, cache);
      expect(parseSpy).not.toHaveBeenCalled();
      expect(cached).toEqual(parse(text));
    }
  });

  it("takes a hit from the cache, not from the text", () => {
    const cache = new Map([[contentKey(THEME), JSON.stringify({ from: "cache" })]]);
    expect(parseYamlCached(THEME, cache)).toEqual({ from: "cache" });
  });

  it("parses a text the cache does not hold (a file edited since the build) as YAML", () => {
    const cache = new Map(Object.entries(buildParsedCache([THEME])));
    const edited = THEME.replace("Funding and priority", "Money");
    parseSpy.mockClear();
    const doc = parseYamlCached(edited, cache) as { title: string };
    expect(parseSpy).toHaveBeenCalledTimes(1);
    expect(doc).toEqual(parse(edited));
    expect(doc.title).toBe("Money");
    expect(parseYamlCached("a: 1\nb: [x, y]\n", new Map())).toEqual({ a: 1, b: ["x", "y"] });
  });

  it("still reports bad YAML on a miss", () => {
    expect(() => parseYamlCached("questions: [a, b\n", new Map())).toThrow();
    expect(() => parseYamlCached("a: 1\na: 2\n", new Map())).toThrow(); // duplicate key
  });

  it("gives a fresh object on every hit: changing one result does not change the next", () => {
    const cache = new Map(Object.entries(buildParsedCache([THEME])));
    const first = parseYamlCached(THEME, cache) as { title: string; questions: Array<{ stages: string[] }> };
    const second = parseYamlCached(THEME, cache) as typeof first;
    expect(second).not.toBe(first);
    expect(second.questions).not.toBe(first.questions);
    first.title = "changed";
    first.questions[0]?.stages.push("closing");
    first.questions.pop();
    const third = parseYamlCached(THEME, cache) as typeof first;
    expect(third).toEqual(parse(THEME));
    expect(third.title).toBe("Funding and priority");
    expect(third.questions[0]?.stages).toEqual(["qualification"]);
    expect(second).toEqual(parse(THEME));
  });
});

describe("readParsedCache", () => {
  it("is empty for a missing file", () => {
    const cache = readParsedCache(join(tempDir(), "library-cache.json"));
    expect(cache.size).toBe(0);
  });

  it("is empty for a file that is not a JSON object", () => {
    const dir = tempDir();
    for (const [name, body] of [
      ["truncated.json", '{"abc": "{\\"id\\": \\"bud'],
      ["empty.json", ""],
      ["yaml.json", "abc: def\n"],
      ["null.json", "null"],
    ] as const) {
      const file = join(dir, name);
      writeFileSync(file, body);
      expect(readParsedCache(file).size, name).toBe(0);
    }
  });

  it("reads back what the build writes", () => {
    const file = join(tempDir(), "library-cache.json");
    const texts = [THEME, "x: 1\n"];
    writeFileSync(file, JSON.stringify(buildParsedCache(texts)));
    const cache = readParsedCache(file);
    expect(cache.size).toBe(2);
    expect(cache.get(contentKey("x: 1\n"))).toBe('{"x":1}');
    parseSpy.mockClear();
    expect(parseYamlCached(THEME, cache)).toEqual(parse(THEME));
    expect(parseSpy).toHaveBeenCalledTimes(1); // the reference parse only
  });
});

/** Everything a library holds, as plain JSON (a cue pattern by its source). */
function project(library: Library): unknown {
  return JSON.parse(
    JSON.stringify({
      themes: [...library.themes.values()].map((t) => ({
        id: t.id,
        title: t.title,
        description: t.description,
        signals: t.signals,
        stages: t.stages,
        questions: t.questions.map((q) => ({
          id: q.id,
          theme: q.theme,
          text: q.text,
          stages: q.stages,
          followUps: q.followUps,
          cues: q.cues,
          cuePattern: q.cuePattern?.source ?? null,
        })),
      })),
      questions: [...library.questions.entries()].map(([id, entry]) => [id, entry.text]),
      reflections: library.reflections,
    }),
  );
}

/** A copy of the built-in library whose every file misses the cache (same YAML, one comment more). */
function uncachedCopy(edit: (name: string, text: string) => string = (_, text) => text): string {
  const dir = join(tempDir(), "prompts");
  cpSync(BUILT_IN_LIBRARY_DIR, dir, { recursive: true });
  for (const file of builtInFiles()) {
    const copy = join(dir, file.slice(BUILT_IN_LIBRARY_DIR.length));
    const name = file.slice(BUILT_IN_LIBRARY_DIR.length + 1);
    writeFileSync(copy, `${edit(name, readFileSync(file, "utf8"))}\n# edited after the build\n`);
  }
  return dir;
}

describe("the built-in library and dist/library-cache.json", () => {
  it("has every built-in YAML file in the cache, parsed as yaml parses it (run `npm run build` if not)", () => {
    const cache = readParsedCache(LIBRARY_CACHE_FILE);
    const files = builtInFiles();
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      const hit = cache.get(contentKey(text));
      expect(hit, `${file} is not in ${LIBRARY_CACHE_FILE}`).toBeDefined();
      expect(JSON.parse(hit as string), file).toEqual(parse(text));
    }
  });

  it("buildParsedCache of the built-in files matches yaml's parse of each", () => {
    const texts = builtInFiles().map((file) => readFileSync(file, "utf8"));
    const built = buildParsedCache(texts);
    expect(Object.keys(built)).toHaveLength(texts.length);
    for (const text of texts) expect(JSON.parse(built[contentKey(text)] as string)).toEqual(parse(text));
  });

  it("loads the same library from the cache as from the YAML", () => {
    parseSpy.mockClear();
    const cached = loadLibrary(BUILT_IN_LIBRARY_DIR);
    // Every built-in file was a hit: no YAML was parsed.
    expect(parseSpy).not.toHaveBeenCalled();

    const dir = uncachedCopy();
    const fromYaml = readLibrary(dir);
    expect(parseSpy).toHaveBeenCalledTimes(builtInFiles().length);
    expect(fromYaml.problems).toEqual([]);
    expect(project(fromYaml.library)).toEqual(project(cached));
    expect(cached.questions.size).toBeGreaterThan(200);

    // And no two loads share an object.
    const again = loadLibrary(BUILT_IN_LIBRARY_DIR);
    expect(again.themes.get("budget")).not.toBe(cached.themes.get("budget"));
    expect(project(again)).toEqual(project(cached));
  });

  it("sees an edit made after the build (the cache is keyed by content, not by file name)", () => {
    const built = loadLibrary(BUILT_IN_LIBRARY_DIR);
    const first = built.themes.get("budget")?.questions[0];
    expect(first).toBeDefined();
    const edited = "Which budget line would pay for this, and who else wants that same money?";
    const dir = uncachedCopy((name, text) =>
      name === join("themes", "budget.yml") ? text.replace(first?.text as string, edited) : text,
    );
    const library = loadLibrary(dir);
    expect(library.questions.get(first?.id as string)?.text).toBe(edited);
    expect(library.themes.get("budget")?.questions[0]?.text).toBe(edited);
    // Everything else is as built.
    const rest = (lib: Library) =>
      [...lib.questions.values()].filter((q) => q.id !== first?.id).map((q) => [q.id, q.text]);
    expect(rest(library)).toEqual(rest(built));
  });
});
