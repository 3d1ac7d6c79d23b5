/**
 * Runs one write transaction under a deadline so it settles, and never lies: COMMIT is never
 * sent after the deadline, a late session is ended by pid, and a lost COMMIT is resolved by
 * looking for the transaction's own audit record before the caller is answered.
 */
import { type Database, type Transaction, isConnectionError, rootCauseMessage, rowsOf, withDeadline } from '@rtv/db';
import { type SQL, sql } from 'drizzle-orm';
import { OutcomeUnknownError, StateUnavailableError } from '../../errors';

/** What a body tells the runner about its transaction. */
export interface WriteAttempt {
  /**
   * An audit record id the transaction inserts: finding it proves the COMMIT took effect. A body
   * that writes MUST set it (every transition writes an audit record); left unset, the runner
   * takes the transaction for one that wrote nothing, whose outcome cannot matter.
   */
  marker?: string;
  /** For writes without an audit id of their own choosing: a boolean SQL expression true once committed. */
  proof?: SQL;
  /** The switch written, named in errors. */
  id?: string;
}

export type WriteBody<T> = (tx: Transaction, attempt: WriteAttempt) => Promise<T>;

export type WriteRunner = <T>(what: string, body: WriteBody<T>, timeoutMs: number) => Promise<T>;

/** BEGIN and the pid, the caller's statements, then COMMIT sent. */
type Phase = 'begin' | 'body' | 'commit';

/** Raised inside an attempt; carries how far the transaction got. */
class AttemptFailed extends Error {
  constructor(
    readonly phase: Phase,
    readonly pid: number | undefined,
    override readonly cause: unknown,
    /** What the body returned, when it got that far. */
    readonly result: unknown,
  ) {
    super('write attempt failed', { cause });
  }
}

/** Time left for ending a late session and reading the outcome back. */
const resolveBudgetMs = (timeoutMs: number) => Math.min(1000, Math.floor(timeoutMs / 4));

export function createWriteRunner(db: Database): WriteRunner {
  /** Ends a session from another connection; resolves whether it is gone (undefined: no answer). */
  async function endSession(pid: number, budgetMs: number): Promise<boolean | undefined> {
    try {
      const rows = await withDeadline(
        db.execute(sql`SELECT pg_terminate_backend(pid, ${Math.max(1, budgetMs - 50)}::bigint) AS ended
          FROM pg_stat_activity WHERE pid = ${pid}`),
        budgetMs,
        'ending a late write session',
      );
      const [row] = rowsOf<{ ended: boolean }>(rows);
      return row === undefined || row.ended === true;
    } catch {
      return undefined;
    }
  }

  async function committed(proof: SQL, budgetMs: number): Promise<boolean | undefined> {
    try {
      const rows = await withDeadline(db.execute(sql`SELECT (${proof}) AS found`), budgetMs, 'reading a write back');
      return rowsOf<{ found: boolean }>(rows)[0]?.found === true;
    } catch {
      return undefined;
    }
  }

  /** After COMMIT was sent with no answer: end the session, then the audit record tells. */
  async function resolveOutcome<T>(what: string, attempt: WriteAttempt, failure: AttemptFailed, budgetMs: number) {
    const result = failure.result as T;
    const unknown = (detail: string) =>
      new OutcomeUnknownError(
        `PostgreSQL got the COMMIT while ${what}${attempt.id ? ` (${attempt.id})` : ''} but its answer was lost (${rootCauseMessage(failure.cause)}), and ${detail}: the change may or may not be in effect. Read the switch before acting again.`,
        attempt.id,
        { cause: failure.cause },
      );
    const proof =
      attempt.proof ??
      (attempt.marker === undefined
        ? undefined
        : sql`EXISTS (SELECT 1 FROM audit_events WHERE id = ${attempt.marker})`);
    if (!proof) return result; // nothing was written: the outcome is the same either way
    // Both steps share the budget, so the caller is answered within writeTimeoutMs.
    const endBudget = Math.max(1, Math.floor(budgetMs * 0.6));
    const ended = failure.pid === undefined ? undefined : await endSession(failure.pid, endBudget);
    if (ended !== true) throw unknown('its session could not be ended to settle it');
    const found = await committed(proof, Math.max(1, budgetMs - endBudget));
    if (found === true) return result;
    if (found === false) {
      throw new StateUnavailableError(
        `PostgreSQL did not confirm the COMMIT while ${what}; its session was ended and the change is not in effect. Nothing was changed.`,
        { cause: failure.cause },
      );
    }
    throw unknown('the state could not be read back');
  }

  async function attemptOnce<T>(what: string, body: WriteBody<T>, budgetMs: number, attempt: WriteAttempt) {
    // Written inside the callback, read at the deadline: an object, so neither side narrows it.
    const at: { phase: Phase; pid?: number; abandoned: boolean; result?: T } = { phase: 'begin', abandoned: false };
    // The driver sends COMMIT when this callback resolves and ROLLBACK when it throws.
    const running = db.transaction(async (tx) => {
      // Pipelined with the body's first statement, not awaited before it: one round trip fewer.
      // Its answer comes first on the connection, so a dead connection still fails in 'begin'.
      const pidKnown = tx.execute(sql`SELECT pg_backend_pid() AS pid`).then((rows) => {
        const [row] = rowsOf<{ pid: number }>(rows);
        if (row !== undefined) at.pid = Number(row.pid);
        at.phase = 'body';
      });
      pidKnown.catch(() => {}); // the body's statements fail with it, and that failure is the one reported
      const result = await body(tx, attempt);
      await pidKnown;
      at.result = result;
      // The deadline passed while the body ran: never COMMIT what the caller was told failed.
      if (at.abandoned) throw new Error('abandoned at the write deadline');
      at.phase = 'commit';
      return result;
    });
    try {
      return await withDeadline(running, budgetMs, what);
    } catch (error) {
      at.abandoned = true;
      // A session stuck before COMMIT still holds its row locks: end it now, not at idle_in_transaction_session_timeout.
      if (at.phase !== 'commit' && at.pid !== undefined && isDeadline(error)) void endSession(at.pid, 1000);
      throw new AttemptFailed(at.phase, at.pid, error, at.result);
    }
  }

  return async function runWrite<T>(what: string, body: WriteBody<T>, timeoutMs: number): Promise<T> {
    const started = performance.now();
    const txBudget = () => Math.max(1, timeoutMs - resolveBudgetMs(timeoutMs) - (performance.now() - started));
    let firstFailure: unknown;
    let retried = false;
    for (let attemptNo = 1; ; attemptNo++) {
      const attempt: WriteAttempt = {};
      // Retries after a dead connection get a short budget: a fresh connection answers at once or not at all.
      const budget = attemptNo === 1 ? txBudget() : Math.min(txBudget(), RETRY_BUDGET_MS);
      try {
        return await attemptOnce(what, body, budget, attempt);
      } catch (error) {
        if (!(error instanceof AttemptFailed)) throw error;
        const cause = error.cause;
        // COMMIT sent and its answer lost (an answered COMMIT that failed committed nothing).
        if (error.phase === 'commit' && isConnectionError(cause)) {
          return resolveOutcome<T>(what, attempt, error, resolveBudgetMs(timeoutMs));
        }
        if (isDeadline(cause)) {
          // The retry's own deadline says less than the dead connection that caused it.
          throw firstFailure ?? deadlinePassed(what, timeoutMs, cause);
        }
        if (!isConnectionError(cause)) throw cause;
        firstFailure ??= cause;
        // Nothing was committed. After a failover every pooled connection may be dead: those
        // fail at BEGIN at once and are skipped; a failure past BEGIN is retried once.
        const skipDead = error.phase === 'begin' && attemptNo <= MAX_DEAD_CONNECTIONS_SKIPPED;
        if (!skipDead && retried) throw firstFailure;
        if (!skipDead) retried = true;
      }
    }
  };
}

/** How many dead pooled connections a write may meet at BEGIN before it gives up (a pool's usual size). */
const MAX_DEAD_CONNECTIONS_SKIPPED = 10;
const RETRY_BUDGET_MS = 2000;

const isDeadline = (error: unknown) => (error as { name?: unknown } | null)?.name === 'DeadlineError';

function deadlinePassed(what: string, timeoutMs: number, cause: unknown): StateUnavailableError {
  return new StateUnavailableError(
    `PostgreSQL did not answer while ${what} within writeTimeoutMs (${timeoutMs} ms). Nothing was changed: the transaction never reached COMMIT and its session is ended.`,
    { cause },
  );
}
