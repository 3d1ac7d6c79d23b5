/**
 * Gathers the acknowledgements for one version: reads the registry every
 * few tens of ms until every live instance applied the version (or a later
 * one), the deadline passes, or it is told to finish now (the service
 * closes). Reads are bounded, and a failed read only costs one round.
 */
import { withDeadline } from '@rtv/db';
import { startTimer } from '../clock';
import type { Clock, InstanceRecord, InstanceRegistry } from '../ports';
import { isLive } from './instance-record';
import { type FleetReceipt, type ReceiptObservations, buildReceipt } from './receipt';

export interface CollectReceiptOptions {
  registry: InstanceRegistry;
  clock: Clock;
  version: number;
  /** Only instances following this database count. */
  databaseId: string;
  committedAt: number;
  timeoutMs: number;
  /** Between registry reads. @default 20 */
  pollMs?: number;
  /** Bound on each registry read. */
  operationTimeoutMs: number;
  /** Aborted: one last look, then the receipt as it stands. */
  signal?: AbortSignal;
  /**
   * This process's own instance when it has applied the version (a writer patches its commit in
   * before its write returns): counted at once, without waiting for its registry record.
   */
  self?: { instanceId: string; appliedAt: number };
}

const sleep = (clock: Clock, ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      cancel();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const cancel = startTimer(clock, done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/** One registry read folded into the observations; true when every expected instance has confirmed. */
function observe(
  seen: ReceiptObservations,
  records: readonly InstanceRecord[],
  now: number,
  databaseId: string,
): boolean {
  for (const record of records) {
    if (record.databaseId !== null && record.databaseId !== databaseId) continue;
    const id = record.instanceId;
    // Expected: live when the change committed (a silent one counts, and will be named), or live since.
    if (!seen.expected.has(id) && !isLive(record, seen.committedAt) && !isLive(record, now)) continue;
    seen.expected.set(id, record);
    if (record.version >= seen.version && record.databaseId === databaseId && !seen.appliedAt.has(id)) {
      // An instance that went past the version reports its later apply time: an upper bound on this one.
      seen.appliedAt.set(id, record.appliedAt ?? now);
    }
  }
  for (const id of seen.expected.keys()) if (!seen.appliedAt.has(id)) return false;
  return true;
}

export async function collectReceipt(options: CollectReceiptOptions): Promise<FleetReceipt> {
  const { registry, clock, signal } = options;
  const startedAt = clock.now();
  const deadline = startedAt + options.timeoutMs;
  const seen: ReceiptObservations = {
    version: options.version,
    committedAt: options.committedAt,
    startedAt,
    expected: new Map(),
    appliedAt: new Map(),
    answered: false,
  };
  if (options.self) seen.appliedAt.set(options.self.instanceId, options.self.appliedAt);
  for (;;) {
    try {
      const records = await withDeadline(registry.list(), options.operationTimeoutMs, 'fleet registry read');
      seen.answered = true;
      if (observe(seen, records, clock.now(), options.databaseId)) break;
    } catch {
      // A registry that does not answer leaves everyone unconfirmed: the receipt says so at the deadline.
    }
    const left = deadline - clock.now();
    if (left <= 0 || signal?.aborted) break;
    await sleep(clock, Math.min(options.pollMs ?? 20, left), signal);
  }
  return buildReceipt(seen, clock.now());
}
