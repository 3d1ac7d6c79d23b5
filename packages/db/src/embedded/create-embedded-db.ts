/**
 * The embedded database: PGlite (PostgreSQL in WebAssembly) in memory or in
 * a data directory, so everything runs with no server. Single-process by
 * nature: a directory is locked by its opener (see data-dir-lock.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import type { Database, DbHandle } from '../database';
import * as schema from '../schema/index';
import { acquireDataDirLock } from './data-dir-lock';

/** `memory://`, `idb://` and the like are PGlite's own stores, not directories to lock. */
const NOT_A_DIRECTORY = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Where PostgreSQL's own files go inside `dataDir`. initdb refuses a directory
 * that holds anything, the lock file included, so a new directory keeps them
 * in a subdirectory next to the lock; a directory made before the lock
 * existed (PG_VERSION at its top) keeps its layout.
 */
function pgDataDir(dataDir: string): string {
  return existsSync(join(dataDir, 'PG_VERSION')) ? dataDir : join(dataDir, 'pgdata');
}

/**
 * A drizzle database over PGlite: in memory when no directory is given,
 * persisted in `dataDir` otherwise. A directory is this process's until
 * `close()`: another opener (another process, or a second open here) gets
 * `EmbeddedDatabaseLockedError`. Several processes need PostgreSQL (`createDb`).
 */
export async function createEmbeddedDb(dataDir?: string): Promise<DbHandle> {
  const lock = dataDir && !NOT_A_DIRECTORY.test(dataDir) ? acquireDataDirLock(dataDir) : undefined;
  let client: PGlite;
  try {
    if (!dataDir) client = await PGlite.create();
    else client = await PGlite.create(lock ? pgDataDir(dataDir) : dataDir);
  } catch (error) {
    lock?.release();
    throw error;
  }
  const db = drizzle(client, { schema }) as unknown as Database;
  return {
    db,
    kind: 'pglite',
    async close() {
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
  };
}
