/**
 * The embedded database is single-process: while one process holds a data
 * directory, a second process (and a second open in the same process) is
 * refused with a typed error naming the owner's pid and the directory,
 * without touching the directory; once the owner closes, it opens fine with
 * its data intact. A lock left by a dead process is taken over.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNode } from '@rtv/testing';
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE_NAME } from '../embedded/data-dir-lock';
import { EMBEDDED_DATABASE_LOCKED, isEmbeddedDatabaseLockedError } from '../index';
import { createEmbeddedDb } from '../pglite';
import { killSwitches } from '../schema/index';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url));
const tsxArgs = (name: string, dir: string) => ['--import', 'tsx', fixture(name), dir];

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rtv-embedded-lock-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the holder and resolves once it has the directory open. */
function startHolder(dataDir: string): Promise<ChildProcessWithoutNullStreams> {
  const child = spawn(process.execPath, tsxArgs('hold-embedded-db', dataDir), { cwd: ROOT, stdio: 'pipe' });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('open\n')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`holder exited with ${code} before opening: ${err}`)));
  });
}

function stopHolder(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.on('exit', () => resolve(out));
    child.stdin.end();
  });
}

describe('embedded data directory lock', () => {
  it('refuses a second process and a second open while the owner holds the directory, then opens after close', async () => {
    const holder = await startHolder(dir);
    try {
      const lock = JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8'));
      expect(lock).toMatchObject({ pid: holder.pid, host: hostname() });

      const second = await runNode(tsxArgs('open-embedded-db', dir), { cwd: ROOT, env: process.env });
      expect(second.stderr).toBe('');
      const outcome = JSON.parse(second.stdout.trim());
      expect(outcome).toMatchObject({ ok: false, code: EMBEDDED_DATABASE_LOCKED, ownerPid: holder.pid, dataDir: dir });
      expect(outcome.message).toContain(`process ${holder.pid}`);
      expect(outcome.message).toContain(dir);
      expect(outcome.message).toContain('DATABASE_URL');

      // This process is not the owner either: refused before PGlite is even started.
      const here = await createEmbeddedDb(dir).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isEmbeddedDatabaseLockedError(here)).toBe(true);
    } finally {
      expect(await stopHolder(holder)).toContain('closed');
    }
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);

    // The directory is intact: the holder's migrations are there and it answers queries.
    const reopened = await createEmbeddedDb(dir);
    try {
      const [row] = await reopened.db.select({ n: count() }).from(killSwitches);
      expect(row?.n).toBe(0);
      const again = await createEmbeddedDb(dir).catch((error: unknown) => error);
      expect(isEmbeddedDatabaseLockedError(again)).toBe(true);
    } finally {
      await reopened.close();
    }
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
  });

  it('takes over a lock whose process is gone', async () => {
    // A pid that existed and has exited: its lock is stale.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(gone.stdout);
    writeFileSync(
      join(dir, LOCK_FILE_NAME),
      JSON.stringify({ pid: deadPid, host: hostname(), startedAt: new Date(0).toISOString(), token: 'old' }),
    );
    const handle = await createEmbeddedDb(dir);
    try {
      const lock = JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8'));
      expect(lock.pid).toBe(process.pid);
      const [row] = await handle.db.select({ n: count() }).from(killSwitches);
      expect(row?.n).toBe(0);
    } finally {
      await handle.close();
    }
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
  });

  it('refuses a fresh unreadable lock (an opener mid-write) and takes over an old damaged one', async () => {
    const lockPath = join(dir, LOCK_FILE_NAME);
    writeFileSync(lockPath, '');
    const refused = await createEmbeddedDb(dir).catch((error: unknown) => error);
    expect(isEmbeddedDatabaseLockedError(refused)).toBe(true);

    // The same file a minute later: a crash left it half-written.
    const aMinuteAgo = new Date(Date.now() - 60_000);
    utimesSync(lockPath, aMinuteAgo, aMinuteAgo);
    const handle = await createEmbeddedDb(dir);
    try {
      expect(JSON.parse(readFileSync(lockPath, 'utf8')).pid).toBe(process.pid);
    } finally {
      await handle.close();
    }
    expect(existsSync(lockPath)).toBe(false);
  });
});
