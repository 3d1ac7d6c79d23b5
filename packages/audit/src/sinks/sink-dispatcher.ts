/**
 * Delivers committed records to one sink, after commit and outside every
 * caller's transaction, resuming from a cursor in `audit_sink_cursors`.
 */
import { type BackoffOptions, type Database, auditEvents, auditSinkCursors, backoffDelay } from '@rtv/db';
import { asc, eq, gt, sql } from 'drizzle-orm';
import { AuditValidationError } from '../errors';
import { type Logger, errorFields, silentLogger } from '../logger';
import { recordFromRow } from '../record-row';
import type { AuditSink } from './sink';

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
  /** Told of each failed delivery (the batch is retried later), with the sink, attempts and retry delay. @default silent */
  logger?: Logger;
}

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
  readonly #logger: Logger;

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
      throw new AuditValidationError('sink.name', `Sink name must be 1 to 100 characters (got "${sink.name}")`);
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
    this.#logger = options.logger ?? silentLogger;
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
        const failure = { ...errorFields(error), sink: this.#sink.name, attempts: this.#failures, retryInMs: delay };
        this.#logger.warn(failure, `audit sink "${this.#sink.name}" delivery failed; retrying in ${delay} ms`);
      } catch {
        // A throwing logger must not stop the loop.
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
    return Math.max(1, backoffDelay(this.#failures, this.#backoff));
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
