import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import type { DealState, DealUpdate } from "../../src/deals/types.js";
import { PACKAGE_ROOT } from "../../src/paths.js";
import { AtRest, type AtRestKey } from "../../src/store/at-rest.js";
import { KEY_FILE_NAME } from "../../src/store/at-rest-setup.js";
import { openStore, openStoreWith } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { runCli } from "../support/cli.js";
import { createdDataDir } from "../support/data-dir.js";
import { FakeSlack } from "../support/fake-slack.js";
import { borrowEmbeddedDatabase, storeKind, testDatabaseUrl } from "../support/store.js";

// Reflections and CRM notes at rest (docs/encryption.md): sealed in every raw row, read back as written,
// a wrong key is a clear error, the embedded store's key file, and rows stored before encryption.

const MARK = {
  answer: "MARK-answer-4f1c",
  question: "MARK-question-77ab",
  note: "MARK-note-b0e2",
  name: "MARK-dealname-9d31",
  nextStep: "MARK-nextstep-1a5e",
  competitor: "MARK-competitor-c6d0",
  situation: "MARK-situation-2e8f",
  crmError: "MARK-crmerror-5b7a",
};
/** What a CRM said when it refused a later update of the deal: its own words, which may echo the deal. */
const CRM_ERROR = `HubSpot said 400: Property dealname=${MARK.crmError} is invalid`;
const MARKERS = Object.values(MARK);
const TEAM = "T_REST";
const USER = { teamId: TEAM, userId: "U_REST" };
const keyOf = (byte: number): AtRestKey => ({ key: Buffer.alloc(32, byte), name: "TOKEN_ENCRYPTION_KEY" });

/** A database of the test's own that stores can be opened over again, and read raw while none is open. */
interface Reopenable {
  open: (key: AtRestKey) => Promise<Store>;
  raw: <T extends pg.QueryResultRow>(text: string, values?: unknown[]) => Promise<T[]>;
  end: () => Promise<void>;
}

async function reopenable(): Promise<Reopenable> {
  if (storeKind === "pglite") {
    // Migrated and empty, as a new one; an idle one when there is (test/support/store.ts).
    const { embedded, giveBack } = await borrowEmbeddedDatabase();
    return {
      open: (key) => openStoreWith({ embedded, borrowed: true }, { atRest: key }),
      raw: async (text, values) => {
        const client = new pg.Client(embedded.poolConfig);
        await client.connect();
        try {
          return (await client.query(text, values)).rows;
        } finally {
          await client.end();
        }
      },
      end: giveBack,
    };
  }
  const schema = `rest_${randomUUID().replaceAll("-", "")}`;
  const connect = () =>
    new pg.Client({ connectionString: testDatabaseUrl, options: `-c search_path=${schema}` });
  const admin = new pg.Client({ connectionString: testDatabaseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  return {
    open: (key) =>
      openStoreWith(
        { pool: new pg.Pool({ connectionString: testDatabaseUrl, options: `-c search_path=${schema}` }) },
        { atRest: key },
      ),
    raw: async (text, values) => {
      const client = connect();
      await client.connect();
      try {
        return (await client.query(text, values)).rows;
      } finally {
        await client.end();
      }
    },
    end: async () => {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}

/**
 * Every text and jsonb value of every table, as text, found from the catalogue: a column added later
 * is scanned too.
 */
async function everyStoredText(db: Reopenable): Promise<string> {
  const columns = await db.raw<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND data_type IN ('text', 'jsonb', 'json', 'character varying')
      ORDER BY table_name, column_name`,
  );
  expect(columns.length).toBeGreaterThan(20);
  const parts: string[] = [];
  for (const { table_name, column_name } of columns) {
    const rows = await db.raw<{ v: string | null }>(
      `SELECT ${pg.escapeIdentifier(column_name)}::text AS v FROM ${pg.escapeIdentifier(table_name)}`,
    );
    for (const row of rows) if (row.v !== null) parts.push(`${table_name}.${column_name}=${row.v}`);
  }
  return parts.join("\n");
}

function dealUpdate(): DealUpdate {
  return {
    source: "deals",
    eventId: "e-rest-1",
    occurredAt: "2026-11-20T09:00:00Z",
    deal: {
      id: "D_REST",
      name: MARK.name,
      ownerEmail: "ann@example.com",
      nextStep: MARK.nextStep,
      competitor: MARK.competitor,
      stage: "negotiation",
    },
    previous: { name: `${MARK.name}-before` },
    note: MARK.note,
    changedFields: ["stage"],
  };
}

function dealState(): DealState {
  return {
    source: "deals",
    dealId: "D_REST",
    snapshot: dealUpdate().deal,
    closeDateMoves: 0,
    riskRecorded: true,
  };
}

/** One of everything private: a reflection, a deal update in the inbox, the deal, a nudge. */
async function writePrivateData(store: Store): Promise<void> {
  await store.addReflection(USER, { questionId: "q1", questionText: MARK.question, answer: MARK.answer });
  await store.deals.accept(TEAM, [dealUpdate()]);
  const [row] = await store.deals.claimInbox(10, 60_000);
  await store.deals.saveOwnerLink(TEAM, "ann@example.com", USER.userId, "link");
  await store.deals.applyUpdate({
    inboxId: row?.id as string,
    teamId: TEAM,
    deal: { state: dealState(), lastEventAt: new Date("2026-11-20T09:00:00Z"), history: [] },
    nudges: [
      {
        teamId: TEAM,
        userId: null,
        ownerEmail: "ann@example.com",
        source: "deals",
        dealId: "D_REST",
        payload: {
          trigger: {
            kind: "stage_change",
            themes: ["decision_process"],
            key: "stage_change:negotiation",
            summary: `${MARK.name} moved to Negotiation`,
          },
          dealName: MARK.name,
          situation: `${MARK.situation}\n${MARK.note}`,
        },
        dueAt: new Date("2026-11-20T09:00:00Z"),
      },
    ],
  });
  // A later update the CRM refused for good: its words are kept for `deal-coach inbox`.
  await store.deals.accept(TEAM, [
    { ...dealUpdate(), eventId: "e-rest-2", occurredAt: "2026-11-21T09:00:00Z" },
  ]);
  const [refused] = await store.deals.claimInbox(10, 60_000);
  await store.deals.failInbox(refused?.id as string, CRM_ERROR, null);
}

/** What the store gives back: every marker, in the places it was written. */
async function expectPrivateDataReads(store: Store): Promise<void> {
  const [reflection] = await store.listReflections(USER);
  expect(reflection).toMatchObject({ questionText: MARK.question, answer: MARK.answer });
  const [inbox] = await store.deals.listInbox(["pending", "processing", "done", "dead"]);
  expect(inbox?.update).toEqual(dealUpdate());
  const dead = await store.deals.listInbox(["dead"]);
  expect(dead.map((row) => [row.eventId, row.lastError])).toEqual([["e-rest-2", CRM_ERROR]]);
  expect((await store.deals.getDeal("deals", "D_REST"))?.state).toEqual(dealState());
  expect((await store.deals.allDeals())[0]?.state).toEqual(dealState());
  // The owner's e-mail stays plain, so a deal still joins its owner's link.
  expect((await store.deals.dealsOwnedBy(TEAM, USER.userId))[0]?.state).toEqual(dealState());
  const [nudge] = await store.deals.waitingForOwner(TEAM);
  expect(nudge?.payload).toMatchObject({
    dealName: MARK.name,
    situation: `${MARK.situation}\n${MARK.note}`,
    trigger: { summary: `${MARK.name} moved to Negotiation` },
  });
}

describe(`reflections and CRM notes at rest (${storeKind})`, () => {
  it("never stores a marker in plain text, anywhere, and reads every one back", async () => {
    const db = await reopenable();
    try {
      const store = await db.open(keyOf(1));
      await writePrivateData(store);
      // The weekly prompt's view of a rep reads the last answer and their deals back too.
      await store.weekly.saveSchedule(USER, { enabled: true });
      const context = (await store.weekly.contexts(TEAM, [USER.userId], 3)).get(USER.userId);
      expect(context?.lastAnswer?.text).toBe(MARK.answer);
      expect(context?.deals[0]?.state).toEqual(dealState());
      await store.close();

      const stored = await everyStoredText(db);
      expect(stored).toContain("ann@example.com"); // the scan does see the rows
      for (const marker of MARKERS) expect(stored).not.toContain(marker);

      const again = await db.open(keyOf(1));
      try {
        await expectPrivateDataReads(again);
      } finally {
        await again.close();
      }
    } finally {
      await db.end();
    }
  }, 60_000);

  it("refuses another key at open, naming it, and a row sealed under another key is an error, not garbage", async () => {
    const db = await reopenable();
    try {
      const store = await db.open(keyOf(1));
      await writePrivateData(store);
      await store.close();

      await expect(db.open(keyOf(2))).rejects.toThrow(
        /^TOKEN_ENCRYPTION_KEY is not the key this database's reflections and CRM notes were encrypted with/,
      );

      // A reflection sealed under another key (a row restored from elsewhere): an error, not garbage.
      await db.raw("UPDATE reflections SET answer = $1", [new AtRest(keyOf(2)).sealText("elsewhere")]);
      const reopened = await db.open(keyOf(1));
      try {
        await expect(reopened.listReflections(USER)).rejects.toThrow(/^TOKEN_ENCRYPTION_KEY is not the key/);
        // The rest still reads.
        expect((await reopened.deals.getDeal("deals", "D_REST"))?.state).toEqual(dealState());
      } finally {
        await reopened.close();
      }
    } finally {
      await db.end();
    }
  }, 60_000);

  it("seals a CRM error an earlier version stored plain in a database that had its key already", async () => {
    const db = await reopenable();
    try {
      const first = await db.open(keyOf(1));
      await first.close();
      // What a version that sealed the CRM note but not the CRM's error left behind, more than a batch.
      await db.raw(
        `INSERT INTO deal_inbox (source, event_id, team_id, deal_key, occurred_at, received_at, payload,
                                 status, next_attempt_at, last_error)
         SELECT 'deals', 'e-plain-' || g, $1, 'deals:D_PLAIN_' || g, now(), now(), '{}', 'dead', now(), $2
           FROM generate_series(1, 501) g`,
        [TEAM, CRM_ERROR],
      );
      expect(await everyStoredText(db)).toContain(MARK.crmError);
      const store = await db.open(keyOf(1));
      try {
        const dead = await store.deals.listInbox(["dead"]);
        expect(dead).toHaveLength(501);
        expect(new Set(dead.map((row) => row.lastError))).toEqual(new Set([CRM_ERROR]));
      } finally {
        await store.close();
      }
      expect(await everyStoredText(db)).not.toContain(MARK.crmError);
    } finally {
      await db.end();
    }
  }, 60_000);

  it("seals rows stored before encryption at the first start with a key, and reads them as written", async () => {
    const db = await reopenable();
    try {
      // A database as the previous version left it: migrated, plain rows, never opened with a key.
      const first = await db.open(keyOf(1));
      await first.close();
      await db.raw("DELETE FROM at_rest_key");
      await db.raw(
        `INSERT INTO reflections (id, team_id, user_id, question_id, question_text, answer)
         VALUES ('r-old', $1, $2, 'q1', $3, $4)`,
        [TEAM, USER.userId, MARK.question, MARK.answer],
      );
      await db.raw(
        `INSERT INTO deal_inbox (source, event_id, team_id, deal_key, occurred_at, received_at, payload,
                                 status, next_attempt_at)
         VALUES ('deals', 'e-rest-1', $1, 'deals:D_REST', now(), now(), $2, 'done', now())`,
        [TEAM, JSON.stringify(dealUpdate())],
      );
      await db.raw(
        `INSERT INTO deal_inbox (source, event_id, team_id, deal_key, occurred_at, received_at, payload,
                                 status, next_attempt_at, last_error)
         VALUES ('deals', 'e-rest-2', $1, 'deals:D_REST', now() + interval '1 day', now(), $2, 'dead', now(), $3)`,
        [TEAM, JSON.stringify({ ...dealUpdate(), eventId: "e-rest-2" }), CRM_ERROR],
      );
      await db.raw(
        `INSERT INTO deals (source, deal_id, team_id, state, last_event_at, updated_at)
         VALUES ('deals', 'D_REST', $1, $2, '2026-11-20T09:00:00Z', now())`,
        [TEAM, JSON.stringify(dealState())],
      );
      await db.raw(
        `INSERT INTO owner_links (team_id, email, user_id, origin, updated_at)
         VALUES ($1, 'ann@example.com', $2, 'link', now())`,
        [TEAM, USER.userId],
      );
      const payload = {
        trigger: {
          kind: "stage_change",
          themes: ["decision_process"],
          key: "k",
          summary: `${MARK.name} moved to Negotiation`,
        },
        dealName: MARK.name,
        situation: `${MARK.situation}\n${MARK.note}`,
      };
      await db.raw(
        `INSERT INTO nudges (team_id, owner_email, source, deal_id, trigger_key, payload, status, due_at, created_at)
         VALUES ($1, 'ann@example.com', 'deals', 'D_REST', 'k', $2, 'waiting_owner', now(), now())`,
        [TEAM, JSON.stringify(payload)],
      );
      // More than one batch of the seal pass (500 rows).
      await db.raw(
        `INSERT INTO reflections (id, team_id, user_id, question_text, answer)
         SELECT 'r-bulk-' || g, $1, 'U_BULK', 'q', $2 || '-' || g FROM generate_series(1, 1201) g`,
        [TEAM, MARK.answer],
      );
      // Read as they are before the first start with a key seals them.
      expect(await everyStoredText(db)).toContain(MARK.note);
      expect(await everyStoredText(db)).toContain(MARK.crmError);

      const store = await db.open(keyOf(1));
      try {
        await expectPrivateDataReads(store);
        const bulk = await store.listReflections({ teamId: TEAM, userId: "U_BULK" }, 5000);
        expect(bulk.map((r) => r.answer).sort()).toEqual(
          Array.from({ length: 1201 }, (_, i) => `${MARK.answer}-${i + 1}`).sort(),
        );
      } finally {
        await store.close();
      }
      const stored = await everyStoredText(db);
      for (const marker of MARKERS) expect(stored).not.toContain(marker);
      const reopened = await db.open(keyOf(1));
      try {
        await expectPrivateDataReads(reopened);
      } finally {
        await reopened.close();
      }
    } finally {
      await db.end();
    }
  }, 60_000);
});

/** Runs the app (dist/main.js, built by test/global-setup.ts) on the embedded store in dataDir until it exits, against a fake Slack. */
async function startApp(dataDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const slack = await FakeSlack.start();
  try {
    const child = spawn(process.execPath, [join(PACKAGE_ROOT, "dist", "main.js")], {
      cwd: PACKAGE_ROOT,
      env: {
        ...process.env,
        SLACK_APP_TOKEN: "xapp-rest",
        SLACK_BOT_TOKEN: "xoxb-rest",
        SLACK_SIGNING_SECRET: "",
        SLACK_API_URL: slack.apiUrl,
        TOKEN_ENCRYPTION_KEY: "",
        PORT: "0",
        DATA_DIR: dataDir,
        DATABASE_URL: "",
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    clearTimeout(timer);
    return { code, stdout, stderr };
  } finally {
    await slack.close();
  }
}

describe("where the key comes from", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  // Created already, with no key file yet (test/support/data-dir.ts): the subject is the key file the
  // first start makes, not the database's first creation, whose initdb costs about 3.6 s of CPU.
  const createdDir = async () => {
    const dir = await createdDataDir("deal-coach-rest-");
    dirs.push(dir);
    return dir;
  };

  it("needs TOKEN_ENCRYPTION_KEY with DATABASE_URL: one of the configuration problems, and at open", async () => {
    expect(() =>
      loadConfig({
        SLACK_APP_TOKEN: "xapp-1",
        SLACK_BOT_TOKEN: "xoxb-1",
        DATABASE_URL: "postgres://localhost/x",
      }),
    ).toThrow(/TOKEN_ENCRYPTION_KEY: required with DATABASE_URL/);
    expect(
      loadConfig({
        SLACK_APP_TOKEN: "xapp-1",
        SLACK_BOT_TOKEN: "xoxb-1",
        DATABASE_URL: "postgres://localhost/x",
        TOKEN_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      }).tokenEncryptionKey,
    ).toHaveLength(32);
    // Refused before connecting: no database is reached at this address.
    await expect(openStore({ databaseUrl: "postgres://127.0.0.1:1/none" })).rejects.toThrow(
      /^TOKEN_ENCRYPTION_KEY: required with DATABASE_URL/,
    );
  });

  it.runIf(storeKind === "pglite")(
    "creates the embedded store's key file once, mode 0600, reuses it, and names it when it is wrong or gone",
    async () => {
      const dataDir = await createdDir();
      const keyFile = join(dataDir, KEY_FILE_NAME);
      expect(existsSync(keyFile)).toBe(false);
      const first = await openStore({ dataDir });
      await first.addReflection(USER, { questionText: MARK.question, answer: MARK.answer });
      await first.close();
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const key = readFileSync(keyFile, "utf8");
      expect(key).toMatch(/^[0-9a-f]{64}\n$/);
      const mtime = statSync(keyFile).mtimeMs;

      const second = await openStore({ dataDir });
      try {
        expect((await second.listReflections(USER))[0]?.answer).toBe(MARK.answer);
      } finally {
        await second.close();
      }
      expect(readFileSync(keyFile, "utf8")).toBe(key);
      expect(statSync(keyFile).mtimeMs).toBe(mtime);

      // TOKEN_ENCRYPTION_KEY, when set, is the key: another one than the file's is refused by name.
      await expect(openStore({ dataDir, encryptionKey: randomBytes(32) })).rejects.toThrow(
        `TOKEN_ENCRYPTION_KEY is not the key this database's reflections and CRM notes were encrypted with (or the data was altered); set the key used before. A lost key cannot be recovered. Data stored before TOKEN_ENCRYPTION_KEY was set is encrypted with the key in ${keyFile}.`,
      );
      const same = await openStore({ dataDir, encryptionKey: Buffer.from(key.trim(), "hex") });
      await same.close();

      writeFileSync(keyFile, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600 });
      await expect(openStore({ dataDir })).rejects.toThrow(`the key file ${keyFile} is not the key`);
      // The app itself: one line naming the file, exit 1, no stack.
      const started = await startApp(dataDir);
      expect(started.code).toBe(1);
      expect(started.stderr).toBe(
        `deal-coach: could not start: the key file ${keyFile} is not the key this database's reflections and CRM notes were encrypted with (or the data was altered); set the key used before. A lost key cannot be recovered.\n`,
      );
      expect(started.stdout + started.stderr).not.toMatch(/\n\s+at /);
      writeFileSync(keyFile, "not a key\n");
      await expect(openStore({ dataDir })).rejects.toThrow(`the key file ${keyFile} does not hold a key`);
      unlinkSync(keyFile);
      await expect(openStore({ dataDir })).rejects.toThrow(`the key file ${keyFile} is missing`);
      // Not replaced by a new key that could never open the data.
      expect(() => statSync(keyFile)).toThrow();

      writeFileSync(keyFile, key, { mode: 0o600 });
      const restored = await openStore({ dataDir });
      try {
        expect((await restored.listReflections(USER))[0]?.answer).toBe(MARK.answer);
      } finally {
        await restored.close();
      }
    },
    300_000,
  );
});

describe("the CLI's key", () => {
  it("says in one line that inbox needs TOKEN_ENCRYPTION_KEY with DATABASE_URL, or that it is malformed", async () => {
    const missing = await runCli(["inbox"], {
      env: { DATABASE_URL: "postgres://127.0.0.1:1/none", TOKEN_ENCRYPTION_KEY: "" },
      dist: true,
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^deal-coach: TOKEN_ENCRYPTION_KEY: required with DATABASE_URL[^\n]*\n$/);
    const malformed = await runCli(["inbox"], {
      env: { DATABASE_URL: "postgres://127.0.0.1:1/none", TOKEN_ENCRYPTION_KEY: "short" },
      dist: true,
    });
    // A malformed value is a configuration problem, reported as the others are (exit 2, README
    // "Configuration errors").
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain(
      "TOKEN_ENCRYPTION_KEY: must be 32 bytes, as 64 hex characters or base64",
    );
    expect(malformed.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
