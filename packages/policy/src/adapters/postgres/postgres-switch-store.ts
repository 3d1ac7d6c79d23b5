/**
 * The `SwitchStore` on PostgreSQL or PGlite (any `Database` from @rtv/db).
 * Every audit record it writes is written inside a transaction on the
 * store's database; an emitter that cannot join one (a memory emitter) is
 * refused up front, since its records would not commit with the change.
 */
import { type AuditEmitter, createAuditEmitter, isTransactionalAuditEmitter } from '@rtv/audit';
import type { Database } from '@rtv/db';
import { systemClock } from '../../clock';
import { ValidationError } from '../../errors';
import type { Clock, SwitchStore } from '../../ports';
import { createPostgresQueries } from './switch-queries';
import { createPostgresTransitions } from './switch-transitions';

export interface PostgresSwitchStoreOptions {
  /** A database from `createDb` (@rtv/db) or `createEmbeddedDb` (@rtv/db/pglite), migrated. */
  db: Database;
  /** An emitter from `createAuditEmitter` (with your sinks). @default one created on `db` (no sinks) */
  audit?: AuditEmitter;
  /** Stamps transitions. @default the system clock */
  clock?: Clock;
  /**
   * Every write settles within this many ms, with a typed error if need be (a call's own
   * `timeoutMs` wins). @default 10000
   */
  writeTimeoutMs?: number;
}

export function createPostgresSwitchStore(options: PostgresSwitchStoreOptions): SwitchStore {
  const { db } = options;
  const given = options.audit;
  if (given !== undefined && !isTransactionalAuditEmitter(given)) {
    throw new ValidationError(
      'audit must be an emitter from createAuditEmitter, which writes inside the store transaction: state, history and audit commit together',
      [{ field: 'audit', message: 'cannot join the store transaction' }],
    );
  }
  const audit = given ?? createAuditEmitter({ db });
  return {
    // appendAudit among them: in the store's own database, whichever pool the emitter was made with.
    ...createPostgresTransitions(db, audit, options.clock ?? systemClock, options.writeTimeoutMs ?? 10_000),
    ...createPostgresQueries(db),
  };
}
