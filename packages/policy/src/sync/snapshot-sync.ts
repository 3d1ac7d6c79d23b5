/**
 * Keeps this instance's snapshot current: loads it cold (Redis, else
 * PostgreSQL), swaps in newer versions on change notices and on a version
 * poll (pub/sub drops messages), repairs Redis when it lags or was flushed,
 * and tracks when the state was last confirmed fresh for the failure policy.
 */
import { type Logger, errorFields } from '@rtv/audit';
import { backoffDelay, withDeadline } from '@rtv/db';
import type { Snapshot } from '../check/snapshot';
import { startTimer } from '../clock';
import type { ChangeBus, ChangeNotice, Clock, Metrics, StateCache, Subscription } from '../ports';
import { applyNotice } from './delta';
import { createPublication } from './publication';
import { createSnapshotSlot } from './snapshot-slot';
import { createStaleness } from './staleness';
import { type SnapshotSource, type StoreStatus, createSyncStep } from './sync-step';

export type { SnapshotSource } from './sync-step';

export interface SnapshotSyncOptions {
  source: SnapshotSource;
  cache?: StateCache;
  bus: ChangeBus;
  clock: Clock;
  metrics: Metrics;
  /** How often to poll the version. */
  pollIntervalMs: number;
  /** How often to ask PostgreSQL too while Redis answers (covers a writer that died before publishing). */
  sourcePollIntervalMs: number;
  /** Past this without confirmation, the state counts as unavailable. */
  maxStalenessMs: number;
  /** Bound on every store call. */
  operationTimeoutMs: number;
  /** Names the cache's namespace in messages (the Redis key prefix). */
  cacheNamespace: string;
  logger: Logger;
  /** Hears each snapshot version this instance applies (the fleet acknowledgement). Synchronous, never throws. */
  onApplied?: (snapshot: Snapshot) => void;
}

export interface SnapshotSync {
  /** The snapshot checks read; undefined until the first load. */
  readonly current: Snapshot | undefined;
  /** True once the state has gone unconfirmed for longer than maxStalenessMs, judged on the clock. */
  readonly stale: boolean;
  readonly confirmedAt: number;
  readonly postgres: StoreStatus;
  readonly redis: StoreStatus | undefined;
  /** Resolves after the first successful load. */
  readonly ready: Promise<void>;
  start(): Promise<void>;
  /** Reloads from the stores now (single-flight). */
  refresh(): Promise<void>;
  /**
   * After a commit: load the new state from PostgreSQL and swap it in now;
   * Redis (the snapshot and a notice with the changes) follows in the
   * background, so a stalled Redis never holds the write.
   */
  publish(): Promise<void>;
  /** Replaces the snapshot from PostgreSQL even at the same version (an operator's cache invalidation). */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

/** Backs off while the stores fail, up to 8x the interval with jitter, so a dead server is not hammered in step. */
function pollDelay(consecutiveFailures: number, pollIntervalMs: number): number {
  if (consecutiveFailures === 0) return pollIntervalMs;
  return backoffDelay(consecutiveFailures, { initialMs: pollIntervalMs * 2, maxMs: pollIntervalMs * 8 });
}

export function createSnapshotSync(options: SnapshotSyncOptions): SnapshotSync {
  const { bus, clock, metrics } = options;
  const slot = createSnapshotSlot(metrics, options.onApplied);
  const staleness = createStaleness(clock, options.maxStalenessMs, metrics);
  const report = (error: unknown, during: string) => {
    metrics.increment('kill_switch_sync_errors_total', { during });
    options.logger.warn({ ...errorFields(error), during }, `kill-switch sync: ${during} failed`);
  };
  const step = createSyncStep({ ...options, cache: options.cache, slot, staleness, report });
  const publication = createPublication({ ...options, slot, step, bus, report });
  let stopped = false;
  let inFlight: Promise<void> | undefined;
  let again = false;
  let consecutiveFailures = 0;
  let cancelPoll: (() => void) | undefined;
  let subscription: Subscription | undefined;

  /**
   * Single-flight, but a request that arrives during a sync runs once more
   * after it: that sync may have read the stores before the change committed.
   */
  function refresh(): Promise<void> {
    if (inFlight) {
      again = true;
      return inFlight;
    }
    const run = async (): Promise<void> => {
      do {
        again = false;
        try {
          await step.syncOnce();
          consecutiveFailures = 0;
        } catch (error) {
          consecutiveFailures += 1;
          report(error, 'sync');
          return;
        }
      } while (again && !stopped);
    };
    inFlight = run().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  /**
   * A notice for the version after ours carries the changes: patch the index
   * with them, no I/O. Otherwise read the named snapshot straight from Redis
   * (one round trip), and anything short of it falls back to a full sync.
   */
  async function takeNotice(notice: ChangeNotice): Promise<void> {
    const current = slot.current;
    // Cold: the first load is under way. Foreign: another database's change, not ours.
    if (!current || notice.databaseId !== current.databaseId || notice.version <= current.version) return;
    const patched = applyNotice(current, notice);
    if (patched) {
      slot.swap(patched);
      return;
    }
    const full = await step.readCacheAtLeast(notice.version, current.databaseId);
    if (full) slot.swap(full);
    else await refresh();
  }

  function schedulePoll(): void {
    if (stopped) return;
    const delay = pollDelay(consecutiveFailures, options.pollIntervalMs);
    cancelPoll = startTimer(clock, () => void refresh().finally(schedulePoll), delay);
  }

  return {
    get current() {
      return slot.current;
    },
    get stale() {
      return staleness.stale;
    },
    get confirmedAt() {
      return staleness.confirmedAt;
    },
    postgres: step.postgres,
    redis: step.redis,
    ready: slot.ready,
    async start() {
      staleness.start();
      subscription = bus.subscribe((notice) => void takeNotice(notice));
      try {
        // Listening before the first load, so no notice falls between the two; bounded, as Redis may be down.
        await withDeadline(subscription.ready, options.operationTimeoutMs, 'change bus subscribe');
      } catch (error) {
        report(error, 'subscribe');
      }
      if (stopped) return;
      await refresh();
      schedulePoll();
    },
    refresh,
    async publish() {
      const before = slot.current;
      slot.swap(await step.loadFromSource());
      staleness.confirm();
      publication.schedule(before);
    },
    async reload() {
      const snapshot = await step.loadFromSource();
      slot.swap(snapshot, true);
      staleness.confirm();
      await step.seedCache(snapshot, 'replace');
    },
    async stop() {
      stopped = true;
      cancelPoll?.();
      staleness.stop();
      await subscription?.close().catch(() => {});
      await inFlight;
      // What this instance committed still reaches the others, within a bound: a closing process must exit.
      await withDeadline(publication.idle(), options.operationTimeoutMs * 2, 'final publication').catch(() => {});
    },
  };
}
