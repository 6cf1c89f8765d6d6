import { randomUUID } from "node:crypto";
import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";

// PGlite does not lock its directory, and two processes writing one PGDATA corrupt it. The lock file
// holds the owner's pid; a lock whose pid is gone (a crash, a kill -9) is taken over. It guards
// processes of one host: containers sharing a volume live in separate pid namespaces and should use
// DATABASE_URL instead.

export const LOCK_FILE_NAME = "deal-coach.lock";

/** A lock file seen empty for this long belongs to a process that died while creating it. */
const EMPTY_LOCK_GRACE_MS = 10_000;

/** Locks this process holds: a lock with our own pid that is not in here is stale (a container's pid 1). */
const heldByThisProcess = new Set<string>();

/** Takes the data directory's lock, creating the directory if needed, and returns its release. */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  // The real path, so ./data and /srv/app/data are recognised as one directory within this process.
  const lockPath = join(realpathSync(dataDir), LOCK_FILE_NAME);
  // A few rounds: each one either takes the lock, fails on a live owner, or clears a stale lock.
  for (let round = 0; round < 5; round++) {
    if (tryCreate(lockPath)) {
      heldByThisProcess.add(lockPath);
      return () => release(lockPath);
    }
    const owner = readOwner(lockPath);
    if (owner === "gone") continue;
    if (owner === "starting" || isLiveOwner(lockPath, owner)) throw inUse(dataDir, owner);
    setAsideIfStale(lockPath);
  }
  throw inUse(dataDir, "starting");
}

function tryCreate(lockPath: string): boolean {
  let fd: number;
  try {
    fd = openSync(lockPath, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

type Owner = number | "starting" | "gone";

function readOwner(lockPath: string): Owner {
  let text: string;
  try {
    text = readFileSync(lockPath, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    throw error;
  }
  const pid = Number.parseInt(text, 10);
  if (Number.isInteger(pid) && pid > 0) return pid;
  // Another process has created the file and not yet written its pid, or died in between.
  const stat = statSync(lockPath, { throwIfNoEntry: false });
  if (stat === undefined) return "gone";
  return Date.now() - stat.mtimeMs < EMPTY_LOCK_GRACE_MS ? "starting" : 0;
}

function isLiveOwner(lockPath: string, pid: number): boolean {
  if (pid === 0) return false;
  if (pid === process.pid) return heldByThisProcess.has(lockPath);
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/**
 * Moves a stale lock out of the way. Renaming (not deleting) it means that if another process took
 * the lock over between our read and now, we hold its fresh lock file in our hands, see a live pid in
 * it, and put it back instead of destroying it.
 */
function setAsideIfStale(lockPath: string): void {
  const aside = `${lockPath}.stale-${randomUUID()}`;
  try {
    renameSync(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  const moved = readOwner(aside);
  const movedIsStale = moved === "gone" || (typeof moved === "number" && !isLiveOwner(lockPath, moved));
  if (!movedIsStale) {
    try {
      linkSync(aside, lockPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  rmSync(aside, { force: true });
}

function release(lockPath: string): void {
  if (!heldByThisProcess.delete(lockPath)) return;
  // Only remove a lock that is still ours; never one another process has since taken over.
  if (readOwner(lockPath) === process.pid) rmSync(lockPath, { force: true });
}

function inUse(dataDir: string, owner: number | "starting"): Error {
  const who = owner === "starting" ? "still starting" : `pid ${owner}`;
  return new Error(
    `data directory ${dataDir} is in use by another Deal Coach process (${who}); stop it or set DATA_DIR`,
  );
}
