export * from './schema/index';
export type { Database, DbHandle, Executor, Schema, Transaction } from './database';
export { createDb, createEmbeddedDb, type CreateDbOptions } from './create-db';
export { migrate, defaultMigrationsFolder, rowsOf, type MigrateOptions } from './migrate';
export { isUniqueViolation, isCheckViolation, pgErrorCode } from './pg-errors';
export { isConnectionError, rootCauseMessage } from './connection-errors';
export { DeadlineError, withDeadline } from './deadline';
export { backoffDelay, type BackoffOptions } from './backoff';
