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
  /**
   * Per-statement timeout in ms (the server cancels a statement running longer). Below the
   * service's `writeTimeoutMs` (10000), so a slow statement fails with its own cause first. @default 8000
   */
  statementTimeoutMs?: number;
  /**
   * How long a statement waits for a row lock in ms: a writer frozen while holding a switch's
   * row makes other writers of that switch fail with 55P03 after this, never hang. @default 3000
   */
  lockTimeoutMs?: number;
  /**
   * The server ends a session idle inside a transaction for this long in ms (a frozen or
   * partitioned client), releasing its locks. @default 5000
   */
  idleInTransactionTimeoutMs?: number;
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
    connection: {
      statement_timeout: options.statementTimeoutMs ?? 8000,
      lock_timeout: options.lockTimeoutMs ?? 3000,
      idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 5000,
    },
    // The array-type fetch runs on every new connection outside any caller's promise: when the
    // server drops the connection during it (a failover), its rejection is unhandled and crashes
    // the host. The schema has no array columns, so nothing needs it.
    fetch_types: false,
  });
  const db = drizzle(client, { schema }) as unknown as Database;
  return {
    db,
    kind: 'postgres',
    close: () => client.end({ timeout: options.closeTimeoutSeconds ?? 5 }),
  };
}
