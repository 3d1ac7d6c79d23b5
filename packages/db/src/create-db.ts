/**
 * Connections to PostgreSQL over postgres.js, the production driver. The
 * embedded database (PGlite) is the separate entry `@rtv/db/pglite`, so a
 * service on PostgreSQL never loads it.
 */
import { drizzle } from 'drizzle-orm/postgres-js';
// The build bundles this import (tsup noExternal): consumers get our patched copy of postgres.js, see README.md.
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
  const db = drizzle(client, { schema }) as unknown as Database;
  return {
    db,
    kind: 'postgres',
    close: () => client.end({ timeout: options.closeTimeoutSeconds ?? 5 }),
  };
}
