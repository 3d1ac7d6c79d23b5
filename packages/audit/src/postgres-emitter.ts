import { type Database, type Transaction, rowsOf } from '@rtv/db';
import type { SQL } from 'drizzle-orm';
/**
 * The production emitter: appends inside a transaction, in one statement that takes the
 * chain head's row lock, so seq is gap-free and many processes build one chain.
 */
import { chainAppendStatement, pendingRecord, recordsOf } from './chain-append-statement';
import { AuditValidationError } from './errors';
import {
  type AuditClock,
  type AuditEmitter,
  type AuditEventInput,
  type AuditRecord,
  type EmitOptions,
  systemAuditClock,
} from './ports';
import type { AuditSink } from './sinks/sink';
import { type DeliveryOptions, SinkDispatcher } from './sinks/sink-dispatcher';
import { validateAuditEvent } from './validate-event';

export interface AuditEmitterOptions {
  /** The database holding `audit_events` (postgres.js or PGlite). */
  db: Database;
  /**
   * Where committed records are copied, after commit, at least once. Each
   * sink gets its own delivery loop and cursor (keyed by `sink.name`).
   * @default []
   */
  sinks?: AuditSink[];
  /** Supplies `occurredAt` for events without one. @default the system clock */
  clock?: AuditClock;
  /** Batch size, polling and retry schedule of the sink loops. @default see `DeliveryOptions` */
  delivery?: DeliveryOptions;
  /**
   * After an emit inside a caller's transaction, when to look for it (the
   * emitter cannot see that commit; the poll interval catches a later one).
   * @default 20
   */
  callerTxWakeDelayMs?: number;
}

const TRANSACTIONAL = Symbol.for('@rtv/audit/transactional');

/**
 * Whether an emitter joins the caller's transaction, so a record commits or
 * rolls back with the change it describes (a memory emitter does not).
 * A brand, not instanceof: it holds across duplicated package copies.
 */
export function isTransactionalAuditEmitter(emitter: unknown): emitter is PostgresAuditEmitter {
  return (
    typeof emitter === 'object' && emitter !== null && (emitter as Record<symbol, unknown>)[TRANSACTIONAL] === true
  );
}

/** An `AuditEmitter` on PostgreSQL, with its sink loops. */
export interface PostgresAuditEmitter extends AuditEmitter {
  /** Marks an emitter that writes inside the caller's transaction (`emit(event, { tx })`). */
  readonly [TRANSACTIONAL]: true;
  /** Asks every sink loop to look for new records now (e.g. after a caller's transaction committed). */
  wakeSinks(): void;
  /**
   * Appends several records in the caller's transaction in ONE statement, with the caller's
   * own CTEs joined in (`with`, e.g. a version bump). Issue it last before COMMIT: the chain
   * head is locked from this statement to the end of the transaction, never across round trips.
   * Record ids may be chosen by the caller (`ids`), so it can look for them after a lost COMMIT.
   * `returning` is an expression over those CTEs (e.g. the bumped version) the statement also
   * answers, so the caller learns it without another round trip while the locks are held.
   */
  emitMany(
    events: readonly AuditEventInput[],
    options: { tx: Transaction; with?: SQL; ids?: readonly string[]; returning?: SQL },
  ): Promise<AppendedRecords>;
}

/** What `emitMany` appended, and the value of its `returning` expression (undefined without one). */
export interface AppendedRecords {
  records: AuditRecord[];
  returned: unknown;
}

/**
 * Creates the Postgres emitter and starts one delivery loop per sink.
 * `close()` stops the loops; it does not close the database.
 */
export function createAuditEmitter(options: AuditEmitterOptions): PostgresAuditEmitter {
  const { db } = options;
  const clock = options.clock ?? systemAuditClock;
  const names = new Set<string>();
  const dispatchers = (options.sinks ?? []).map((sink) => {
    if (names.has(sink.name)) {
      throw new AuditValidationError('sinks', `Two sinks are named "${sink.name}"; names key delivery cursors`);
    }
    names.add(sink.name);
    return new SinkDispatcher(db, sink, options.delivery);
  });
  const callerTxWakeDelayMs = options.callerTxWakeDelayMs ?? 20;
  for (const dispatcher of dispatchers) dispatcher.start();

  const wakeSinks = (): void => {
    for (const dispatcher of dispatchers) dispatcher.wake();
  };

  async function append(
    tx: Transaction,
    events: readonly AuditEventInput[],
    options: { with?: SQL; ids?: readonly string[]; returning?: SQL } = {},
  ): Promise<AppendedRecords> {
    const { ids } = options;
    const pending = events.map((event, i) =>
      pendingRecord(
        validateAuditEvent(event, () => clock.now()),
        ids?.[i],
      ),
    );
    if (pending.length === 0) return { records: [], returned: undefined };
    const rows = rowsOf<{ id: string; seq: string | number; prev_hash: string; hash: string; returned?: unknown }>(
      await tx.execute(chainAppendStatement(pending, options.with, options.returning)),
    );
    return { records: recordsOf(pending, rows), returned: rows[0]?.returned };
  }

  return {
    async emit(event, emitOptions: EmitOptions = {}): Promise<AuditRecord> {
      const { records } = emitOptions.tx
        ? await append(emitOptions.tx, [event])
        : await db.transaction((tx) => append(tx, [event]));
      const [record] = records;
      if (!record) throw new Error('the audit record was not appended');
      if (!emitOptions.tx) wakeSinks();
      else if (dispatchers.length > 0) setTimeout(wakeSinks, callerTxWakeDelayMs).unref();
      return record;
    },
    async emitMany(events, options) {
      const appended = await append(options.tx, events, options);
      if (dispatchers.length > 0) setTimeout(wakeSinks, callerTxWakeDelayMs).unref();
      return appended;
    },
    [TRANSACTIONAL]: true,
    wakeSinks,
    async close(): Promise<void> {
      await Promise.all(dispatchers.map((dispatcher) => dispatcher.close()));
    },
  };
}
