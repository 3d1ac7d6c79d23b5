/**
 * The `SwitchStore` on PostgreSQL or PGlite (any `Database` from @rtv/db).
 * Its audit emitter writes to the same database, inside each transition's
 * transaction: passing an emitter bound elsewhere is refused up front.
 */
import { type AuditEmitter, type PostgresAuditEmitter, createAuditEmitter } from '@rtv/audit';
import type { Database } from '@rtv/db';
import { systemClock } from '../../clock';
import { ValidationError } from '../../errors';
import type { Clock, SwitchStore } from '../../ports';
import { createPostgresQueries } from './switch-queries';
import { createPostgresTransitions } from './switch-transitions';

export interface PostgresSwitchStoreOptions {
  /** A database from `createDb` (@rtv/db) or `createEmbeddedDb` (@rtv/db/pglite), migrated. */
  db: Database;
  /** An emitter from `createAuditEmitter` on the same `db`. @default one created on `db` (no sinks) */
  audit?: AuditEmitter;
  /** Stamps transitions. @default the system clock */
  clock?: Clock;
}

/** Whether `audit` writes into `db` (so it can join `db`'s transactions). */
function isBoundTo(audit: unknown, db: Database): audit is PostgresAuditEmitter {
  return typeof audit === 'object' && audit !== null && (audit as { db?: unknown }).db === db;
}

export function createPostgresSwitchStore(options: PostgresSwitchStoreOptions): SwitchStore {
  const { db } = options;
  const given = options.audit;
  if (given !== undefined && !isBoundTo(given, db)) {
    throw new ValidationError(
      'audit must be an emitter from createAuditEmitter({ db }) on the same database as the store: state, history and audit commit in one transaction',
      [{ field: 'audit', message: 'is not bound to the store database' }],
    );
  }
  const audit = given ?? createAuditEmitter({ db });
  return {
    ...createPostgresTransitions(db, audit, options.clock ?? systemClock),
    ...createPostgresQueries(db),
    async appendAudit(event) {
      await audit.emit(event);
    },
  };
}
