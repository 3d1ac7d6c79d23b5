/**
 * Connections: PostgreSQL over postgres.js for production, PGlite as the
 * embedded default so everything runs with no server.
 */
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { Database, DbHandle } from './database';
import * as schema from './schema/index';

export interface CreateDbOptions {
  /** Pool size. @default 10 */
  max?: number;
  /** Seconds to wait for a connection before failing. @default 5 */
  connectTimeoutSeconds?: number;
  /** Per-statement timeout in ms, so a hung server cannot hold a writer forever. @default 15000 */
  statementTimeoutMs?: number;
  /** How long `close()` lets running queries finish before dropping connections. @default 5 */
  closeTimeoutSeconds?: number;
}

/** A drizzle database over postgres.js with the schema attached. */
export function createDb(url: string, options: CreateDbOptions = {}): DbHandle {
  const client = postgres(url, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeoutSeconds ?? 5,
    // Migrations' IF NOT EXISTS notices are noise to an operator.
    onnotice: () => {},
    connection: { statement_timeout: options.statementTimeoutMs ?? 15_000 },
  });
  const db = drizzlePostgres(client, { schema }) as unknown as Database;
  return {
    db,
    kind: 'postgres',
    close: () => client.end({ timeout: options.closeTimeoutSeconds ?? 5 }),
  };
}

/**
 * A drizzle database over PGlite: in memory when no directory is given,
 * persisted in `dataDir` otherwise.
 */
export async function createEmbeddedDb(dataDir?: string): Promise<DbHandle> {
  const client = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  return {
    db,
    kind: 'pglite',
    close: () => client.close(),
  };
}
