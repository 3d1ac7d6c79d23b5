/**
 * `@rtv/db`: the schema, PostgreSQL over postgres.js, migrations and error
 * helpers. The embedded database is `@rtv/db/pglite`.
 */
export * from './schema/index';
export type { Database, DbHandle, Executor, Schema, Transaction } from './database';
export { createDb, type CreateDbOptions } from './create-db';
export { migrate, defaultMigrationsFolder, rowsOf, type MigrateOptions } from './migrate';
export { isUniqueViolation, isCheckViolation, pgErrorCode } from './pg-errors';
export { isConnectionError, rootCauseMessage } from './connection-errors';
export { DeadlineError, withDeadline } from './deadline';
export { backoffDelay, type BackoffOptions } from './backoff';
export {
  EMBEDDED_DATABASE_LOCKED,
  EmbeddedDatabaseLockedError,
  isEmbeddedDatabaseLockedError,
  type EmbeddedDatabaseOwner,
} from './embedded/embedded-database-locked-error';
export {
  APPEND_ONLY_TABLES,
  RUNTIME_DELETABLE_TABLES,
  checkRoleName,
  grantRuntimeRole,
  runtimeGrantStatements,
} from './roles';
