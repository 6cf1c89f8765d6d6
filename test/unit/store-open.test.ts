import { spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../src/paths.js";
import { KEY_FILE_NAME } from "../../src/store/at-rest-setup.js";
import { LOCK_FILE_NAME, lockDataDir } from "../../src/store/data-dir-lock.js";
import { loadMigrations } from "../../src/store/migrate.js";
import { migrate, openStore } from "../../src/store/open.js";
import { createdDataDir } from "../support/data-dir.js";
import { storeKind, testDatabaseUrl } from "../support/store.js";

// Opening the store: migrations, the embedded data directory's lock, closing. The Store methods
// themselves are in store.test.ts.

/** PostgreSQL's name for a socket, where pg looks for it. */
const SOCKET_NAME = ".s.PGSQL.5432";

const ALL_MIGRATIONS = loadMigrations().map((migration) => migration.name);

const inUseMessage = (dir: string, pid: number) =>
  `data directory ${dir} is in use by another Deal Coach process (pid ${pid}); stop it or set DATA_DIR`;

/** A pid that no process has: one of a child that has already exited. */
const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid;

const tempDirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "deal-coach-store-"));
  tempDirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe("the data directory lock", () => {
  it("refuses a second holder while the first holds it, naming the directory and pid", () => {
    const dir = tempDir();
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, LOCK_FILE_NAME), "utf8").trim()).toBe(String(process.pid));
    expect(() => lockDataDir(dir)).toThrow(inUseMessage(dir, process.pid));
    const sameDirAnotherWay = relative(process.cwd(), dir);
    expect(() => lockDataDir(sameDirAnotherWay)).toThrow(inUseMessage(sameDirAnotherWay, process.pid));
    release();
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
    lockDataDir(dir)();
  });

  it("refuses while another live process holds it", () => {
    const dir = tempDir();
    // The test runner's parent process is alive and is not us.
    writeFileSync(join(dir, LOCK_FILE_NAME), `${process.ppid}\n`);
    expect(() => lockDataDir(dir)).toThrow(inUseMessage(dir, process.ppid));
  });

  it("takes over a lock whose process is gone", () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE_NAME), `${deadPid()}\n`);
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, LOCK_FILE_NAME), "utf8").trim()).toBe(String(process.pid));
    release();
  });

  it("takes over a lock with its own pid left by an earlier run (a container's pid 1)", () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE_NAME), `${process.pid}\n`);
    lockDataDir(dir)();
  });

  it("waits out a lock file still being written, and takes over one abandoned empty", () => {
    const dir = tempDir();
    const lockPath = join(dir, LOCK_FILE_NAME);
    writeFileSync(lockPath, "");
    expect(() => lockDataDir(dir)).toThrow("in use by another Deal Coach process (still starting)");
    const aMinuteAgo = new Date(Date.now() - 60_000);
    utimesSync(lockPath, aMinuteAgo, aMinuteAgo);
    lockDataDir(dir)();
  });

  it("on release leaves alone a lock that another process has taken since", () => {
    const dir = tempDir();
    const release = lockDataDir(dir);
    writeFileSync(join(dir, LOCK_FILE_NAME), `${process.ppid}\n`);
    release();
    expect(readFileSync(join(dir, LOCK_FILE_NAME), "utf8").trim()).toBe(String(process.ppid));
  });
});

// The embedded store's own tests run in the embedded pass only: TEST_STORE does not reach them, so the
// PostgreSQL pass would repeat them unchanged, initdb included, within its own time (README "Development").
describe.runIf(storeKind === "pglite")("an embedded store in a data directory", () => {
  let dataDir: string;
  /** What was logged, and whether the database existed yet when it was. */
  const logged: { msg: string; migrations?: string[]; initialised: boolean }[] = [];
  const logger = {
    info: (o: object, msg: string) =>
      logged.push({
        msg,
        migrations: (o as { migrations?: string[] }).migrations,
        initialised: existsSync(join(dataDir, "PG_VERSION")),
      }),
  };

  // One initdb (seconds) for the whole block; the tests below reopen the same directory.
  beforeAll(async () => {
    dataDir = tempDir();
    const store = await openStore({ dataDir, logger });
    await store.upsertUser({ teamId: "T1", userId: "U1" }, { tz: "Europe/Paris" });
    await store.close();
  });

  it("says it is creating the database before initdb's long silence, and briefly that it opens one", async () => {
    const where = resolve(dataDir);
    expect(logged).toEqual([
      { msg: `creating the embedded database in ${where} …`, initialised: false },
      { msg: "created the embedded database", initialised: true },
      { msg: "applied database migrations", migrations: ALL_MIGRATIONS, initialised: true },
      {
        msg: `created the key file ${join(where, "at-rest.key")} (back it up with the data: without it nothing private can be read)`,
        initialised: true,
      },
    ]);
    logged.length = 0;
    expect(await migrate({ dataDir })).toEqual([]);
    const store = await openStore({ dataDir, logger });
    await store.close();
    expect(logged).toEqual([{ msg: `opening the embedded database in ${where}`, initialised: true }]);
  });

  it("keeps its data across reopening, served on a socket in the data directory while open", async () => {
    const store = await openStore({ dataDir });
    expect(store.kind).toBe("pglite");
    expect(existsSync(join(dataDir, SOCKET_NAME))).toBe(true);
    expect((await store.getUser({ teamId: "T1", userId: "U1" }))?.tz).toBe("Europe/Paris");
    await store.close();
    // Closed: the server stopped and PGlite's thread removed its socket on the way out.
    expect(existsSync(join(dataDir, SOCKET_NAME))).toBe(false);
  });

  it("cannot be opened twice at once, and opens again once closed", async () => {
    const store = await openStore({ dataDir });
    await expect(openStore({ dataDir })).rejects.toThrow(inUseMessage(dataDir, process.pid));
    await expect(migrate({ dataDir })).rejects.toThrow(inUseMessage(dataDir, process.pid));
    await store.close();
    await store.close();
    const again = await openStore({ dataDir });
    await again.close();
  });

  it("serves from a temporary directory when its socket cannot be made in the data directory", async () => {
    // A directory where the socket would go stands in for a filesystem without sockets.
    const blocker = join(dataDir, SOCKET_NAME);
    mkdirSync(blocker);
    try {
      const store = await openStore({ dataDir });
      expect((await store.getUser({ teamId: "T1", userId: "U1" }))?.tz).toBe("Europe/Paris");
      await store.close();
      expect(statSync(blocker).isDirectory()).toBe(true);
    } finally {
      rmSync(blocker, { recursive: true });
    }
  });

  // The store's taking over a dead process's lock is proven here too, on the lock a killed process
  // really leaves (with its socket), rather than by one more open over a lock file written by hand.
  it("opens again, with what was committed, after its process was killed with SIGKILL, taking over its lock", async () => {
    const child = spawn(
      process.execPath,
      [join(PACKAGE_ROOT, "test", "support", "open-store-child.mjs"), dataDir],
      { cwd: PACKAGE_ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    const deadline = Date.now() + 90_000;
    while (!out.includes("committed")) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`the child did not open the store: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGKILL");
    await exited;
    // What a killed process leaves: its lock and its socket.
    expect(readFileSync(join(dataDir, LOCK_FILE_NAME), "utf8").trim()).toBe(String(child.pid));
    expect(existsSync(join(dataDir, SOCKET_NAME))).toBe(true);
    const store = await openStore({ dataDir });
    try {
      expect(readFileSync(join(dataDir, LOCK_FILE_NAME), "utf8").trim()).toBe(String(process.pid));
      expect((await store.getUser({ teamId: "T1", userId: "U_KILLED" }))?.tz).toBe("Asia/Tokyo");
    } finally {
      await store.close();
    }
    expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(false);
  }, 120_000);
});

describe("a created data directory for child processes (test/support/data-dir.ts)", () => {
  it.runIf(storeKind === "pglite")(
    "is the app's own database after `deal-coach migrate`: opened, not created, nothing to apply, a key and data of its own",
    async () => {
      const first = await createdDataDir("deal-coach-store-");
      const second = await createdDataDir("deal-coach-store-");
      tempDirs.push(first, second);
      expect(existsSync(join(first, "PG_VERSION"))).toBe(true);
      // As after a clean stop: no lock to take over, no key yet (the first start makes its own).
      expect(existsSync(join(first, LOCK_FILE_NAME))).toBe(false);
      expect(existsSync(join(first, KEY_FILE_NAME))).toBe(false);
      const logged: string[] = [];
      const store = await openStore({ dataDir: first, logger: { info: (_o, msg) => logged.push(msg) } });
      await store.upsertUser({ teamId: "T1", userId: "U1" }, { tz: "Europe/Paris" });
      await store.close();
      const where = resolve(first);
      expect(logged).toEqual([
        `opening the embedded database in ${where}`,
        `created the key file ${join(where, KEY_FILE_NAME)} (back it up with the data: without it nothing private can be read)`,
      ]);
      // The other copy shares nothing with the first: neither its rows nor its key.
      const other = await openStore({ dataDir: second });
      try {
        expect(await other.getUser({ teamId: "T1", userId: "U1" })).toBeUndefined();
      } finally {
        await other.close();
      }
      expect(readFileSync(join(second, KEY_FILE_NAME), "utf8")).not.toBe(
        readFileSync(join(first, KEY_FILE_NAME), "utf8"),
      );
    },
    60_000,
  );
});

describe.runIf(storeKind === "postgres")("a PostgreSQL store (TEST_STORE=postgres)", () => {
  const schema = `test_open_${randomUUID().replaceAll("-", "")}`;
  const url = new URL(testDatabaseUrl);
  url.searchParams.set("options", `-c search_path=${schema}`);
  const databaseUrl = url.toString();

  async function admin(statement: string) {
    const client = new pg.Client({ connectionString: testDatabaseUrl });
    await client.connect();
    await client.query(statement).finally(() => client.end());
  }
  beforeAll(() => admin(`CREATE SCHEMA ${schema}`));
  afterAll(() => admin(`DROP SCHEMA ${schema} CASCADE`));

  it("migrates exactly once when several processes start together", async () => {
    const results = await Promise.all([1, 2, 3].map(() => migrate({ databaseUrl })));
    expect(results.flat().sort()).toEqual(ALL_MIGRATIONS);
    expect(await migrate({ databaseUrl })).toEqual([]);
  });

  it("opens over DATABASE_URL, applies nothing more, and closes twice", async () => {
    const logged: object[] = [];
    const store = await openStore({
      databaseUrl,
      encryptionKey: Buffer.alloc(32, 1),
      logger: { info: (o) => logged.push(o) },
    });
    expect(store.kind).toBe("postgres");
    await store.upsertUser({ teamId: "T1", userId: "U1" });
    expect(logged).toEqual([]);
    await store.close();
    await store.close();
  });
});
