/**
 * Per-file databases for integration tests, on the real server (a clone of
 * the run's template) or on an in-memory PGlite.
 */
import { type DbHandle, createDb, migrate } from '@rtv/db';
import { createEmbeddedDb } from '@rtv/db/pglite';
import { inject } from 'vitest';
import { cloneDatabase, databaseUrlFor, dropDatabase } from './template-database';

export type Backend = 'postgres' | 'pglite';

export interface TestDatabase extends DbHandle {
  backend: Backend;
  /** Connection URL of the clone (postgres only). */
  url: string;
}

/** The back ends available in this run: PGlite always, PostgreSQL when it answered. */
export function availableBackends(): Backend[] {
  return inject('databaseUrl') ? ['postgres', 'pglite'] : ['pglite'];
}

export function postgresAvailable(): boolean {
  return inject('databaseUrl') !== '';
}

/** A fresh, migrated database of its own; `close()` drops it. */
export async function createTestDatabase(
  backend: Backend = 'postgres',
  options: { max?: number } = {},
): Promise<TestDatabase> {
  if (backend === 'pglite') {
    const handle = await createEmbeddedDb();
    await migrate(handle.db);
    return { ...handle, backend, url: '' };
  }
  const baseUrl = inject('databaseUrl');
  if (!baseUrl) throw new Error('PostgreSQL is not available in this run');
  const name = await cloneDatabase(baseUrl, inject('templateDatabase'));
  const url = databaseUrlFor(baseUrl, name);
  const handle = createDb(url, { max: options.max ?? 10 });
  return {
    ...handle,
    backend,
    url,
    async close() {
      await handle.close();
      await dropDatabase(baseUrl, name);
    },
  };
}
