/**
 * The one database type the other packages are written against, whichever
 * driver (postgres.js or PGlite) sits underneath.
 */
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type * as schema from './schema/index';

export type Schema = typeof schema;

/** A drizzle database over either driver, with the schema attached. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;

/** A transaction of a `Database`, for writers that join a caller's transaction. */
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

/** Either a database or a transaction: anything that can run a query. */
export type Executor = Database | Transaction;

/** What `createDb` and `createEmbeddedDb` return. */
export interface DbHandle {
  db: Database;
  /** `postgres` for a server, `pglite` for the embedded database. */
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}
