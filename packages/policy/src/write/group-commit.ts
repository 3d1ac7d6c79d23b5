/**
 * Group commit: activations and deactivations that arrive on this instance
 * while earlier ones are in flight share ONE transaction (one chain append,
 * one fsync, one version, one notice), the way a database groups its own
 * commits. The audit chain's head admits one transaction at a time, so on a
 * disk that syncs a few hundred times a second this is what lets a storm of
 * single flips through. A lone write goes at once, exactly as before; each
 * caller keeps its own result, its own error and its own deadline.
 */
import { isConnectionError, pgErrorCode } from '@rtv/db';
import { OutcomeUnknownError, StateUnavailableError, isOutcomeUnknownError, isStateUnavailableError } from '../errors';
import type { BatchOutcome, BatchWrite, StoreWriteResult, SwitchStore, WriteOptions } from '../ports';
import type { PublishCommitted } from './commit-publisher';

export interface GroupCommit {
  /** Writes one caller's change, alone or with others; settles within `options.timeoutMs`. */
  write(write: BatchWrite, options: WriteOptions): Promise<StoreWriteResult>;
}

interface Waiting {
  readonly write: BatchWrite;
  /** `performance.now()` by which the caller must be answered. */
  readonly deadline: number;
  resolve(result: StoreWriteResult): void;
  reject(error: unknown): void;
  expire?: ReturnType<typeof setTimeout>;
}

/** Bounds one transaction's statements (the chain append carries one record per write). */
const MAX_BATCH = 128;
/** One commit in flight per instance: measured, larger batches beat overlapping ones (fewer statements per flip). */
const MAX_BATCHES_IN_FLIGHT = 1;
/** A batch in flight this long stops holding the queue back: one hung connection must not stall every write. */
const SLOW_BATCH_MS = 500;

export function createGroupCommit(
  store: Pick<SwitchStore, 'activate' | 'deactivate' | 'writeBatch'>,
  publishCommitted: PublishCommitted,
  writeTimeoutMs: number,
): GroupCommit {
  const queue: Waiting[] = [];
  let holding = 0;
  type WriteBatch = NonNullable<SwitchStore['writeBatch']>;

  const left = (waiting: Waiting) => Math.max(1, Math.floor(waiting.deadline - performance.now()));

  const storeWrite = (write: BatchWrite, timeoutMs: number) =>
    write.kind === 'activate'
      ? store.activate(write.input, { timeoutMs })
      : store.deactivate(write.input, { timeoutMs });

  /** This instance patches the commit in (and the others are told) before any of its callers hears. */
  const published = async (results: readonly StoreWriteResult[]) => {
    const changed = results.filter((r) => r.changed);
    if (changed.length > 0) await publishCommitted(changed);
  };

  async function alone(write: BatchWrite, timeoutMs: number): Promise<StoreWriteResult> {
    const result = await storeWrite(write, timeoutMs);
    await published([result]);
    return result;
  }

  const settleAlone = (waiting: Waiting) => alone(waiting.write, left(waiting)).then(waiting.resolve, waiting.reject);

  /** Starts a commit while none is in flight (or the one in flight is slow). */
  function pump(writeBatch: WriteBatch): void {
    while (queue.length > 0 && holding < MAX_BATCHES_IN_FLIGHT) {
      const members = queue.splice(0, MAX_BATCH);
      for (const member of members) clearTimeout(member.expire);
      holding++;
      let held = true;
      const release = () => {
        if (!held) return;
        held = false;
        holding--;
        clearTimeout(slow);
        pump(writeBatch);
      };
      const slow = setTimeout(release, SLOW_BATCH_MS);
      slow.unref?.();
      void commit(members, writeBatch).finally(release);
    }
  }

  /**
   * Holds the instance's place only while the transaction runs: the publication that follows
   * overlaps the next commit (it may wait a moment for another instance's notice).
   */
  async function commit(members: Waiting[], writeBatch: WriteBatch): Promise<void> {
    // A caller with less than half its budget left goes alone: it must not shorten everyone's deadline.
    const now = performance.now();
    const shared = members.filter((m) => m.deadline - now >= writeTimeoutMs / 2);
    for (const member of members) if (!shared.includes(member)) void settleAlone(member);
    if (shared.length === 0) return;
    const first = shared[0] as Waiting;
    if (shared.length === 1) {
      const result = await storeWrite(first.write, left(first)).catch((error: unknown) => {
        first.reject(error);
      });
      if (result) void published([result]).then(() => first.resolve(result));
      return;
    }
    const timeoutMs = left(shared.reduce((a, b) => (b.deadline < a.deadline ? b : a)));
    const outcomes = await writeBatch(
      shared.map((m) => m.write),
      { timeoutMs },
    ).catch((error: unknown) => {
      // Refused for what may be one member's input (a value PostgreSQL or the audit will not
      // store): each is written alone and hears its own verdict, not another caller's.
      if (!failsEveryone(error)) for (const member of shared) void settleAlone(member);
      else for (const member of shared) member.reject(asMemberError(error, member.write, shared.length));
    });
    if (outcomes) void answer(shared, outcomes);
  }

  async function answer(members: readonly Waiting[], outcomes: readonly BatchOutcome[]): Promise<void> {
    await published(outcomes.flatMap((o) => (o.status === 'done' ? [o.result] : [])));
    members.forEach((member, i) => {
      const outcome = outcomes[i];
      if (outcome?.status === 'done') member.resolve(outcome.result);
      else if (outcome?.status === 'failed') member.reject(outcome.error);
      // Its switch is held by another writer: wait for it alone, without holding the instance's place.
      else void settleAlone(member);
    });
  }

  return {
    write(write, options) {
      const timeoutMs = options.timeoutMs ?? writeTimeoutMs;
      const writeBatch = store.writeBatch?.bind(store);
      if (!writeBatch) return alone(write, timeoutMs);
      return new Promise<StoreWriteResult>((resolve, reject) => {
        const waiting: Waiting = { write, deadline: performance.now() + timeoutMs, resolve, reject };
        // Still queued at its deadline: it was never sent, so nothing of it can commit later.
        waiting.expire = setTimeout(() => {
          const at = queue.indexOf(waiting);
          if (at < 0) return;
          queue.splice(at, 1);
          reject(notStarted(timeoutMs));
        }, timeoutMs);
        waiting.expire.unref?.();
        queue.push(waiting);
        pump(writeBatch);
      });
    },
  };
}

/** The shared transaction failed for a reason of the database's (unreachable, hung, a lock or a statement cut). */
const failsEveryone = (error: unknown) =>
  isStateUnavailableError(error) ||
  isOutcomeUnknownError(error) ||
  isConnectionError(error) ||
  ['55P03', '57014'].includes(pgErrorCode(error) ?? '');

function notStarted(timeoutMs: number): StateUnavailableError {
  return new StateUnavailableError(
    `The write did not start within writeTimeoutMs (${timeoutMs} ms): the writes before it on this instance had not finished (PostgreSQL is slow or hung). Nothing was changed: it was never sent.`,
  );
}

/** A batch's failure as each caller hears it: an unknown outcome names the caller's own switch. */
function asMemberError(error: unknown, write: BatchWrite, size: number): unknown {
  if (!isOutcomeUnknownError(error)) return error;
  const verb = write.kind === 'activate' ? 'Activating' : 'Deactivating';
  return new OutcomeUnknownError(
    `${verb} ${write.input.id}, committed together with ${size - 1} other change(s): ${error.message}`,
    write.input.id,
    { cause: error.cause },
  );
}
