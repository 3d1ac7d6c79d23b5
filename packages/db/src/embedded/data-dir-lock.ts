/**
 * A lock file in an embedded data directory that says which process owns
 * it (pid, host, start time). Taken with an exclusive create, so two openers
 * cannot both win; a lock whose process is gone from this host is stale and
 * taken over; released on close and, where Node still runs code, at exit.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { EmbeddedDatabaseLockedError, type EmbeddedDatabaseOwner } from './embedded-database-locked-error';

export const LOCK_FILE_NAME = 'rtv-embedded.lock';

interface LockContent extends EmbeddedDatabaseOwner {
  /** Unique per acquisition: release only ever removes its own file. */
  token: string;
}

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock file if it is still ours; idempotent. */
  release(): void;
}

// Directories this process holds, shared by every copy of this module (ESM and CJS builds loaded side by side),
// so that a lock naming our own pid can be told apart: ours (a second open here) or a previous process's (pid reuse,
// as with pid 1 in a restarted container).
const HELD_KEY = Symbol.for('@rtv/db.embedded-locks');
const held = heldDirectories();

function heldDirectories(): Set<string> {
  const store = globalThis as Record<symbol, unknown>;
  const existing = store[HELD_KEY];
  if (existing instanceof Set) return existing as Set<string>;
  const created = new Set<string>();
  store[HELD_KEY] = created;
  return created;
}

function readLock(path: string): LockContent | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockContent>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return undefined;
    return parsed as LockContent;
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// An unreadable lock younger than this may be an opener between its create and its write.
const UNREADABLE_GRACE_MS = 5_000;

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** Whether the recorded owner may still be using the directory. */
function ownerAlive(owner: LockContent | undefined, dir: string, path: string): boolean {
  // Unreadable: an opener between create and write (wait), or a file left damaged by a crash (stale once old).
  if (!owner) return ageMs(path) < UNREADABLE_GRACE_MS;
  // Another host's pid cannot be checked from here (a shared volume): assume it is alive.
  if (owner.host !== hostname()) return true;
  if (owner.pid === process.pid) return held.has(dir);
  return processAlive(owner.pid);
}

function tryCreate(path: string, content: LockContent): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, `${JSON.stringify(content)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Moves a stale lock aside atomically; false if someone else already did (or it is no longer stale). */
function takeOver(path: string, stale: LockContent | undefined, dir: string): boolean {
  const aside = `${path}.stale-${process.pid}-${randomUUID()}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true; // gone already: just retry the create
    throw error;
  }
  const moved = readLock(aside);
  if (moved && moved.token !== stale?.token && ownerAlive(moved, dir, aside)) {
    // Another opener replaced the stale lock between our read and our rename: put its live lock back.
    renameSync(aside, path);
    return false;
  }
  unlinkSync(aside);
  return true;
}

/** Takes the directory for this process or throws `EmbeddedDatabaseLockedError` naming the owner. */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE_NAME);
  const content: LockContent = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    token: randomUUID(),
  };
  // A few rounds at most: each failed round means another opener moved at the same moment.
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(path, content)) return holdLock(dir, path, content.token);
    const owner = readLock(path);
    if (ownerAlive(owner, dir, path)) {
      throw new EmbeddedDatabaseLockedError(dir, owner ?? { pid: -1, host: 'unknown' });
    }
    if (!takeOver(path, owner, dir)) {
      const current = readLock(path);
      throw new EmbeddedDatabaseLockedError(dir, current ?? { pid: -1, host: 'unknown' });
    }
  }
  const owner = readLock(path);
  throw new EmbeddedDatabaseLockedError(dir, owner ?? { pid: -1, host: 'unknown' });
}

function holdLock(dir: string, path: string, token: string): DataDirLock {
  held.add(dir);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    held.delete(dir);
    process.removeListener('exit', release);
    // Only our own file: a takeover after we were presumed dead must not be undone by us.
    if (readLock(path)?.token !== token) return;
    try {
      unlinkSync(path);
    } catch {
      // Already gone: nothing to release.
    }
  };
  // 'exit' runs synchronous code only, which is what release is. A kill -9 leaves the file: the next opener finds
  // its pid dead and takes over.
  process.on('exit', release);
  return { path, release };
}
