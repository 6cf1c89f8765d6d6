import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, type Store, type UserSettings } from "../../src/store/types.js";
import { storeKind, testStore } from "../support/store.js";

// Every Store method, against PGlite (default) or PostgreSQL (TEST_STORE=postgres).

const DAY_MS = 24 * 60 * 60 * 1000;
const alice = { teamId: "T1", userId: "UALICE" };
const bob = { teamId: "T1", userId: "UBOB" };
const aliceElsewhere = { teamId: "T2", userId: "UALICE" };
const carol = { teamId: "T2", userId: "UCAROL" };

let store: Store;
let clock: Date;
const advance = (ms: number) => {
  clock = new Date(clock.getTime() + ms);
};

beforeEach(async () => {
  clock = new Date("2025-03-03T09:00:00.000Z");
  store = await testStore({ now: () => clock });
});
afterEach(() => store.close());

describe(`users (${storeKind})`, () => {
  it("reports the backend it runs on", () => {
    expect(store.kind).toBe(storeKind);
  });

  it("knows no one before first contact, then creates the user with default settings", async () => {
    expect(await store.getUser(alice)).toBeUndefined();
    const created = await store.upsertUser(alice, { tz: "Europe/Paris" });
    expect(created).toEqual({ ...alice, tz: "Europe/Paris", settings: DEFAULT_SETTINGS, createdAt: clock });
    expect(await store.getUser(alice)).toEqual(created);
    expect(await store.getUser(aliceElsewhere)).toBeUndefined();
  });

  it("leaves an existing user untouched when upserted without a patch", async () => {
    const created = await store.upsertUser(alice, { tz: "America/New_York", settings: { nudges: false } });
    advance(DAY_MS);
    expect(await store.upsertUser(alice)).toEqual(created);
  });

  it("merges weekly field by field and keeps settings the patch does not name", async () => {
    await store.upsertUser(alice, {
      settings: { weekly: { enabled: false, day: 2, time: "09:30" }, nudges: false },
    });
    const patched = await store.upsertUser(alice, {
      settings: { weekly: { enabled: true } } as Partial<UserSettings>,
    });
    expect(patched.settings).toEqual({
      weekly: { enabled: true, day: 2, time: "09:30" },
      nudges: false,
      quietHours: null,
    });
    expect((await store.getUser(alice))?.settings).toEqual(patched.settings);
  });

  it("gives a new user the defaults merged with the patch", async () => {
    const created = await store.upsertUser(alice, {
      settings: {
        weekly: { time: "08:00" },
        quietHours: { start: "19:00", end: "08:00" },
      } as Partial<UserSettings>,
    });
    expect(created.settings).toEqual({
      weekly: { ...DEFAULT_SETTINGS.weekly, time: "08:00" },
      nudges: DEFAULT_SETTINGS.nudges,
      quietHours: { start: "19:00", end: "08:00" },
    });
  });

  it("clears quiet hours and tz with null, and keeps them when the patch leaves them out", async () => {
    await store.upsertUser(alice, {
      tz: "Asia/Tokyo",
      settings: { quietHours: { start: "20:00", end: "07:00" } },
    });
    const kept = await store.upsertUser(alice, { settings: { nudges: false } });
    expect(kept.tz).toBe("Asia/Tokyo");
    expect(kept.settings.quietHours).toEqual({ start: "20:00", end: "07:00" });
    const cleared = await store.upsertUser(alice, { tz: null, settings: { quietHours: null } });
    expect(cleared.tz).toBeNull();
    expect(cleared.settings.quietHours).toBeNull();
  });

  it("keeps both of two concurrent patches, and survives a concurrent first contact", async () => {
    await Promise.all([
      store.upsertUser(bob, { settings: { nudges: false } }),
      store.upsertUser(bob, { tz: "Europe/Berlin" }),
    ]);
    await Promise.all([
      store.upsertUser(bob, { settings: { weekly: { day: 1 } } as Partial<UserSettings> }),
      store.upsertUser(bob, { settings: { weekly: { time: "10:15" } } as Partial<UserSettings> }),
    ]);
    const user = await store.getUser(bob);
    expect(user?.tz).toBe("Europe/Berlin");
    expect(user?.settings).toEqual({
      weekly: { enabled: false, day: 1, time: "10:15" },
      nudges: false,
      quietHours: null,
    });
  });
});

describe(`question history (${storeKind})`, () => {
  it("lists ids most recent first, each once, the last of one call first", async () => {
    await store.recordAsked(alice, [{ questionId: "q1", theme: "pain", surface: "command" }]);
    advance(1000);
    await store.recordAsked(alice, [
      { questionId: "q2", theme: "pain", surface: "mention" },
      { questionId: "q3", theme: "champion", surface: "mention" },
    ]);
    advance(1000);
    await store.recordAsked(alice, [{ questionId: "q1", theme: "pain", surface: "dm" }]);
    expect(await store.recentQuestionIds(alice)).toEqual(["q1", "q3", "q2"]);
    expect(await store.recentQuestionIds(alice, { limit: 2 })).toEqual(["q1", "q3"]);
  });

  it("looks back 30 days by default, or sinceDays", async () => {
    await store.recordAsked(alice, [{ questionId: "old", theme: "pain", surface: "weekly" }]);
    advance(31 * DAY_MS);
    await store.recordAsked(alice, [{ questionId: "new", theme: "pain", surface: "weekly" }]);
    expect(await store.recentQuestionIds(alice)).toEqual(["new"]);
    expect(await store.recentQuestionIds(alice, { sinceDays: 40 })).toEqual(["new", "old"]);
  });

  it("caps the default history at 200 ids", async () => {
    const entries = Array.from({ length: 205 }, (_, i) => ({
      questionId: `q${i}`,
      theme: "pain",
      surface: "nudge" as const,
    }));
    await store.recordAsked(alice, entries);
    const ids = await store.recentQuestionIds(alice);
    expect(ids).toHaveLength(200);
    expect(ids[0]).toBe("q204");
  });

  it("within a thread returns every id asked there, however old", async () => {
    const thread = "C1:1700000000.0001";
    await store.recordAsked(alice, [
      { questionId: "t1", theme: "pain", surface: "mention", threadKey: thread },
    ]);
    advance(90 * DAY_MS);
    await store.recordAsked(alice, [
      { questionId: "t2", theme: "pain", surface: "mention", threadKey: thread },
      { questionId: "elsewhere", theme: "pain", surface: "mention", threadKey: "C1:1700000000.0002" },
      { questionId: "no-thread", theme: "pain", surface: "command" },
    ]);
    await store.recordAsked(bob, [
      { questionId: "bobs", theme: "pain", surface: "mention", threadKey: thread },
    ]);
    expect(await store.recentQuestionIds(alice, { threadKey: thread })).toEqual(["t2", "t1"]);
    expect(await store.recentQuestionIds(alice, { threadKey: "C9:1" })).toEqual([]);
  });

  it("keeps each user's history apart, and ignores an empty batch", async () => {
    await store.recordAsked(alice, [{ questionId: "a", theme: "pain", surface: "command" }]);
    await store.recordAsked(bob, []);
    expect(await store.recentQuestionIds(bob)).toEqual([]);
    expect(await store.recentQuestionIds(aliceElsewhere)).toEqual([]);
  });
});

describe(`reflections (${storeKind})`, () => {
  it("lists the author's reflections newest first, up to a limit", async () => {
    const first = await store.addReflection(alice, {
      questionId: "q1",
      questionText: "Who signs?",
      answer: "Dana",
    });
    const firstAt = clock;
    advance(60_000);
    const second = await store.addReflection(alice, {
      questionText: "What changed?",
      answer: "Budget moved",
    });
    const listed = await store.listReflections(alice);
    expect(listed).toEqual([
      {
        id: second,
        ...alice,
        questionId: null,
        questionText: "What changed?",
        answer: "Budget moved",
        createdAt: clock,
      },
      {
        id: first,
        ...alice,
        questionId: "q1",
        questionText: "Who signs?",
        answer: "Dana",
        createdAt: firstAt,
      },
    ]);
    expect((await store.listReflections(alice, 1)).map((r) => r.id)).toEqual([second]);
  });

  it("never lists a reflection for anyone but its author", async () => {
    await store.addReflection(alice, { questionText: "Who signs?", answer: "private" });
    expect(await store.listReflections(bob)).toEqual([]);
    expect(await store.listReflections(aliceElsewhere)).toEqual([]);
  });
});

describe(`feedback and stats (${storeKind})`, () => {
  it("counts zeros for a user it has never seen", async () => {
    expect(await store.userStats(carol)).toEqual({ asked: 0, answered: 0, helpful: 0, notHelpful: 0 });
  });

  it("counts questions, answers and verdicts, a second verdict replacing the first", async () => {
    await store.recordAsked(alice, [
      { questionId: "q1", theme: "pain", surface: "command" },
      { questionId: "q2", theme: "pain", surface: "command" },
      { questionId: "q1", theme: "pain", surface: "dm" },
    ]);
    await store.addReflection(alice, { questionId: "q1", questionText: "Who signs?", answer: "Dana" });
    await store.recordFeedback(alice, "q1", true);
    await store.recordFeedback(alice, "q2", true);
    await store.recordFeedback(alice, "q2", false);
    await store.recordFeedback(bob, "q1", false);
    expect(await store.userStats(alice)).toEqual({ asked: 3, answered: 1, helpful: 1, notHelpful: 1 });
    expect(await store.userStats(bob)).toEqual({ asked: 0, answered: 0, helpful: 0, notHelpful: 1 });
  });
});

describe(`claimOnce (${storeKind})`, () => {
  it("says true on the first sighting of an id and false after", async () => {
    expect(await store.claimOnce("evt:Ev1")).toBe(true);
    expect(await store.claimOnce("evt:Ev1")).toBe(false);
    expect(await store.claimOnce("evt:Ev2")).toBe(true);
  });

  it("lets exactly one of several concurrent deliveries win", async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => store.claimOnce("msg:C1:1700000000.1")),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("forgets claims older than a day once it prunes", async () => {
    await store.claimOnce("evt:old");
    advance(2 * DAY_MS);
    for (let i = 0; i < 500; i++) await store.claimOnce(`evt:${i}`);
    expect(await store.claimOnce("evt:old")).toBe(true);
    expect(await store.claimOnce("evt:499")).toBe(false);
  });
});

const NOTHING = {
  settings: 0,
  questions: 0,
  reflections: 0,
  feedback: 0,
  weekly: 0,
  crmLinks: 0,
  deals: 0,
  dealHistory: 0,
  dealUpdates: 0,
  nudges: 0,
  dealPrefs: 0,
  cleared: 0,
};

describe(`forgetting (${storeKind})`, () => {
  async function fill(key: typeof alice) {
    await store.upsertUser(key, { tz: "Europe/Paris" });
    await store.recordAsked(key, [
      { questionId: "q1", theme: "pain", surface: "command", threadKey: "C1:1.1" },
      { questionId: "q2", theme: "pain", surface: "dm" },
    ]);
    await store.addReflection(key, { questionId: "q1", questionText: "Who signs?", answer: "Dana" });
    await store.recordFeedback(key, "q1", true);
  }

  it("forgets everything about one user and reports what went", async () => {
    await fill(alice);
    await fill(bob);
    await fill(aliceElsewhere);
    expect(await store.forgetUser(alice)).toEqual({
      ...NOTHING,
      settings: 1,
      questions: 2,
      reflections: 1,
      feedback: 1,
    });

    expect(await store.getUser(alice)).toBeUndefined();
    expect(await store.recentQuestionIds(alice, { sinceDays: 365 })).toEqual([]);
    expect(await store.recentQuestionIds(alice, { threadKey: "C1:1.1" })).toEqual([]);
    expect(await store.listReflections(alice)).toEqual([]);
    expect(await store.userStats(alice)).toEqual({ asked: 0, answered: 0, helpful: 0, notHelpful: 0 });
    expect(await store.forgetUser(alice)).toEqual(NOTHING);

    for (const other of [bob, aliceElsewhere]) {
      expect(await store.getUser(other)).toBeDefined();
      expect(await store.userStats(other)).toEqual({ asked: 2, answered: 1, helpful: 1, notHelpful: 0 });
    }
  });

  it("forgets a whole team and its installation, and no other team", async () => {
    await fill(alice);
    await fill(bob);
    await fill(carol);
    await store.saveInstallation("T1", "sealed-t1");
    await store.saveInstallation("T2", "sealed-t2");

    await store.forgetTeam("T1");

    for (const gone of [alice, bob]) {
      expect(await store.forgetUser(gone)).toEqual(NOTHING);
    }
    expect(await store.fetchInstallation("T1")).toBeUndefined();
    expect(await store.getUser(carol)).toBeDefined();
    expect(await store.listReflections(carol)).toHaveLength(1);
    expect(await store.fetchInstallation("T2")).toBe("sealed-t2");
  });
});

describe(`the model's token ledger (${storeKind})`, () => {
  it("adds per workspace and UTC day, concurrently without losing a count, and forgets old days", async () => {
    expect(await store.llmTokens.spent("T1", "2025-03-03")).toBe(0);
    await Promise.all(Array.from({ length: 20 }, () => store.llmTokens.add("T1", "2025-03-03", 150)));
    await store.llmTokens.add("T1", "2025-03-03", 0);
    expect(await store.llmTokens.spent("T1", "2025-03-03")).toBe(3000);
    expect(await store.llmTokens.spent("T2", "2025-03-03")).toBe(0);
    expect(await store.llmTokens.spent("T1", "2025-03-04")).toBe(0);
    // A count past a 32-bit integer still adds up (bigint).
    await store.llmTokens.add("T2", "2025-03-03", 3_000_000_000);
    await store.llmTokens.add("T2", "2025-03-03", 3_000_000_000);
    expect(await store.llmTokens.spent("T2", "2025-03-03")).toBe(6_000_000_000);
    // A week on, the first day's row is gone; forgetting a team deletes its rows.
    await store.llmTokens.add("T1", "2025-03-11", 10);
    expect(await store.llmTokens.spent("T1", "2025-03-03")).toBe(0);
    await store.forgetTeam("T2");
    expect(await store.llmTokens.spent("T2", "2025-03-03")).toBe(0);
    expect(await store.llmTokens.spent("T1", "2025-03-11")).toBe(10);
  });
});

describe(`installations (${storeKind})`, () => {
  it("saves, replaces, fetches and deletes by install key", async () => {
    expect(await store.fetchInstallation("E1")).toBeUndefined();
    await store.saveInstallation("E1", "sealed-1");
    await store.saveInstallation("E1", "sealed-2");
    expect(await store.fetchInstallation("E1")).toBe("sealed-2");
    await store.deleteInstallation("E1");
    await store.deleteInstallation("E1");
    expect(await store.fetchInstallation("E1")).toBeUndefined();
  });
});

describe(`closing (${storeKind})`, () => {
  it("can be closed twice", async () => {
    const other = await testStore();
    await other.close();
    await other.close();
  });
});
