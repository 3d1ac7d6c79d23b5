import { type Database, type Transaction, auditChainHead, auditEvents, rowsOf } from '@rtv/db';
import { eq, sql } from 'drizzle-orm';
/**
 * The production emitter: writes each record inside a transaction under the
 * chain head's row lock, so seq is gap-free and many processes build one chain.
 */
import { AuditValidationError } from './errors';
import { hashRecord, newAuditId } from './hash-chain';
import { type AuditClock, type AuditEmitter, type AuditRecord, type EmitOptions, systemAuditClock } from './ports';
import { rowFromRecord } from './record-row';
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

  return {
    async emit(event, emitOptions: EmitOptions = {}): Promise<AuditRecord> {
      const valid = validateAuditEvent(event, () => clock.now());
      const append = async (tx: Transaction): Promise<AuditRecord> => {
        // The row lock serialises emitters (across processes) until this transaction ends.
        const head = rowsOf<{ seq: string | number; hash: string }>(
          await tx.execute(sql`SELECT seq, hash FROM audit_chain_head WHERE id = 1 FOR UPDATE`),
        )[0];
        if (!head) throw new Error('audit_chain_head has no row: run the migrations (`migrate(db)`) first');
        const unhashed = { ...valid, seq: Number(head.seq) + 1, id: newAuditId(), prevHash: head.hash };
        const record: AuditRecord = { ...unhashed, hash: hashRecord(unhashed) };
        await tx.insert(auditEvents).values(rowFromRecord(record));
        await tx.update(auditChainHead).set({ seq: record.seq, hash: record.hash }).where(eq(auditChainHead.id, 1));
        return record;
      };
      if (emitOptions.tx) {
        const record = await append(emitOptions.tx);
        if (dispatchers.length > 0) setTimeout(wakeSinks, callerTxWakeDelayMs).unref();
        return record;
      }
      const record = await db.transaction(append);
      wakeSinks();
      return record;
    },
    [TRANSACTIONAL]: true,
    wakeSinks,
    async close(): Promise<void> {
      await Promise.all(dispatchers.map((dispatcher) => dispatcher.close()));
    },
  };
}
