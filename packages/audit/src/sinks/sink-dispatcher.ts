/**
 * Delivers committed records to one sink, after commit and outside every
 * caller's transaction, resuming from a cursor in `audit_sink_cursors`.
 */
import { type Database, auditEvents, auditSinkCursors } from '@rtv/db';
import { asc, eq, gt, sql } from 'drizzle-orm';
import { recordFromRow } from '../record-row';
import type { AuditSink } from './sink';

export interface BackoffOptions {
  /** Wait before the first retry after a failure, in ms. @default 500 */
  initialMs?: number;
  /** Longest wait between retries, in ms. @default 60000 */
  maxMs?: number;
  /** Growth of the wait per consecutive failure. @default 2 */
  factor?: number;
  /** Random spread of each wait, as a fraction of it (0 = none), so many instances do not retry in step. @default 0.2 */
  jitter?: number;
}

/** Details handed to `onError` when a delivery fails. */
export interface SinkFailure {
  sink: string;
  /** Consecutive failures so far, this one included. */
  attempts: number;
  /** When the next attempt is due, in ms from now. */
  retryInMs: number;
}

export interface DeliveryOptions {
  /** Most records handed to the sink per `deliver` call. @default 100 */
  batchSize?: number;
  /** How often to look for new records when not woken by an emit, in ms. @default 1000 */
  pollIntervalMs?: number;
  /** Retry schedule after a failed delivery. @default { initialMs: 500, maxMs: 60000, factor: 2, jitter: 0.2 } */
  backoff?: BackoffOptions;
  /**
   * Where a sink with no cursor yet starts: `oldest` delivers the whole
   * trail, `latest` only records committed from now on.
   * @default 'oldest'
   */
  startAt?: 'oldest' | 'latest';
  /**
   * Called on each failed delivery (the batch is retried later).
   * @default a one-line `console.warn`
   */
  onError?: (error: unknown, failure: SinkFailure) => void;
}

const defaultOnError = (error: unknown, failure: SinkFailure): void => {
  const message = error instanceof Error ? error.message : String(error);
  console.warn(
    `[audit] sink "${failure.sink}" delivery failed (attempt ${failure.attempts}), retrying in ${failure.retryInMs} ms: ${message}`,
  );
};

/**
 * One delivery loop per sink: read `seq > last_seq` in order, deliver the
 * batch, then advance the cursor. The cursor moves only after `deliver`
 * resolves, so a crash between the two re-delivers (at least once) and
 * never skips. Seq is assigned under the chain head's lock, so records
 * become visible in seq order and `seq > last_seq` never jumps a late commit.
 */
export class SinkDispatcher {
  readonly #db: Database;
  readonly #sink: AuditSink;
  readonly #batchSize: number;
  readonly #pollIntervalMs: number;
  readonly #backoff: Required<BackoffOptions>;
  readonly #startAt: 'oldest' | 'latest';
  readonly #onError: (error: unknown, failure: SinkFailure) => void;

  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #wakeAgain = false;
  #closed = false;
  #started = false;
  #cursorReady = false;
  #failures = 0;
  #retryAt = 0;

  constructor(db: Database, sink: AuditSink, options: DeliveryOptions = {}) {
    if (!sink.name || sink.name.length > 100) {
      throw new RangeError(`Sink name must be 1 to 100 characters (got "${sink.name}")`);
    }
    this.#db = db;
    this.#sink = sink;
    this.#batchSize = Math.max(1, options.batchSize ?? 100);
    this.#pollIntervalMs = Math.max(1, options.pollIntervalMs ?? 1000);
    this.#backoff = {
      initialMs: options.backoff?.initialMs ?? 500,
      maxMs: options.backoff?.maxMs ?? 60_000,
      factor: options.backoff?.factor ?? 2,
      jitter: options.backoff?.jitter ?? 0.2,
    };
    this.#startAt = options.startAt ?? 'oldest';
    this.#onError = options.onError ?? defaultOnError;
  }

  get name(): string {
    return this.#sink.name;
  }

  /** Starts the loop: a first pass now, then on wake-ups and every poll interval. */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.wake();
  }

  /** New records may be committed: look now, unless waiting out a backoff (a down sink is not hammered). */
  wake(): void {
    if (!this.#started || this.#closed) return;
    if (Date.now() < this.#retryAt) return;
    if (this.#running) {
      this.#wakeAgain = true;
      return;
    }
    this.#clearTimer();
    this.#running = this.#pass().finally(() => {
      this.#running = undefined;
      if (this.#wakeAgain && !this.#closed) {
        this.#wakeAgain = false;
        this.wake();
      }
    });
  }

  /** Stops the loop and waits for a delivery in flight; undelivered records wait for the next start. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#clearTimer();
    await this.#running;
  }

  async #pass(): Promise<void> {
    try {
      if (!this.#cursorReady) {
        await this.#ensureCursor();
        this.#cursorReady = true;
      }
      for (;;) {
        if (this.#closed) return;
        const delivered = await this.#deliverBatch();
        this.#failures = 0;
        this.#retryAt = 0;
        if (delivered < this.#batchSize) break;
      }
      this.#schedule(this.#pollIntervalMs);
    } catch (error) {
      this.#failures++;
      const delay = this.#backoffDelay();
      this.#retryAt = Date.now() + delay;
      this.#wakeAgain = false;
      await this.#recordFailure(error);
      try {
        this.#onError(error, { sink: this.#sink.name, attempts: this.#failures, retryInMs: delay });
      } catch {
        // A throwing error handler must not stop the loop.
      }
      this.#schedule(delay);
    }
  }

  async #ensureCursor(): Promise<void> {
    const start = this.#startAt === 'latest' ? sql`(SELECT seq FROM audit_chain_head WHERE id = 1)` : sql`${0}::bigint`;
    await this.#db
      .insert(auditSinkCursors)
      .values({ sink: this.#sink.name, lastSeq: sql`${start}` })
      .onConflictDoNothing();
  }

  /** Delivers the next batch; returns how many records it held. */
  async #deliverBatch(): Promise<number> {
    const [cursor] = await this.#db
      .select({ lastSeq: auditSinkCursors.lastSeq })
      .from(auditSinkCursors)
      .where(eq(auditSinkCursors.sink, this.#sink.name));
    const lastSeq = Number(cursor?.lastSeq ?? 0);
    const rows = await this.#db
      .select()
      .from(auditEvents)
      .where(gt(auditEvents.seq, lastSeq))
      .orderBy(asc(auditEvents.seq))
      .limit(this.#batchSize);
    if (rows.length === 0) return 0;
    const records = rows.map(recordFromRow);
    await this.#sink.deliver(records);
    const newLast = records[records.length - 1]?.seq ?? lastSeq;
    // GREATEST: another process delivering to the same sink may be ahead; never move back.
    await this.#db
      .update(auditSinkCursors)
      .set({
        lastSeq: sql`GREATEST(${auditSinkCursors.lastSeq}, ${newLast}::bigint)`,
        attempts: 0,
        lastError: null,
        updatedAt: sql`now()`,
      })
      .where(eq(auditSinkCursors.sink, this.#sink.name));
    return records.length;
  }

  async #recordFailure(error: unknown): Promise<void> {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 2000);
    try {
      await this.#db
        .update(auditSinkCursors)
        .set({ attempts: sql`${auditSinkCursors.attempts} + 1`, lastError: message, updatedAt: sql`now()` })
        .where(eq(auditSinkCursors.sink, this.#sink.name));
    } catch {
      // The database may be what failed; the in-memory retry schedule still holds.
    }
  }

  #backoffDelay(): number {
    const { initialMs, maxMs, factor, jitter } = this.#backoff;
    const base = Math.min(maxMs, initialMs * factor ** (this.#failures - 1));
    const spread = base * jitter * (Math.random() * 2 - 1);
    return Math.max(1, Math.round(Math.min(maxMs, base + spread)));
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return;
    this.#clearTimer();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#retryAt = 0;
      this.wake();
    }, delayMs);
    this.#timer.unref();
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
