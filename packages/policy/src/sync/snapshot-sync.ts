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
import type { CommittedChange } from './delta';
import { createDeltaIntake } from './delta-intake';
import { createPublication } from './publication';
import { createSnapshotSlot } from './snapshot-slot';
import { createStaleness } from './staleness';
import { type SnapshotSource, type StoreStatus, createSyncStep } from './sync-step';

export type { SnapshotSource } from './sync-step';
export type { CommittedChange } from './delta';

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
   * After a commit: this instance holds the new state when it returns, patched
   * with the commit's own rows when the commit made the version right after
   * ours, else loaded from PostgreSQL (one load shared by concurrent writers).
   * Redis (a notice with the changes, then the snapshot) follows in the
   * background, so a stalled Redis never holds the write.
   */
  publish(commit?: CommittedChange): Promise<void>;
  /** Replaces the snapshot from PostgreSQL even at the same version (an operator's cache invalidation). */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

/** Backs off while the stores fail, up to 8x the interval with jitter, so a dead server is not hammered in step. */
function pollDelay(consecutiveFailures: number, pollIntervalMs: number): number {
  if (consecutiveFailures === 0) return pollIntervalMs;
  return backoffDelay(consecutiveFailures, { initialMs: pollIntervalMs * 2, maxMs: pollIntervalMs * 8 });
}

/** Well above a notice's delivery time on a healthy Redis, well below the poll interval. */
const NOTICE_GRACE_MS = 50;

/**
 * Single flight for loads from PostgreSQL: a caller joins the load that has
 * not started yet (all who ask before it starts share it), never one already
 * under way, which may have read the state before the caller's commit.
 */
function createSharedSourceLoad(load: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> = Promise.resolve();
  let queued: Promise<void> | undefined;
  return () => {
    if (queued) return queued;
    const next = running.then(() => {
      queued = undefined;
      return load();
    });
    queued = next;
    running = next.catch(() => {});
    return next;
  };
}

export function createSnapshotSync(options: SnapshotSyncOptions): SnapshotSync {
  const { bus, clock, metrics } = options;
  const slot = createSnapshotSlot(metrics, options.onApplied);
  const staleness = createStaleness(clock, options.maxStalenessMs, metrics);
  const report = (error: unknown, during: string) => {
    metrics.increment('kill_switch_sync_errors_total', { during });
    options.logger.warn({ ...errorFields(error), during }, `kill-switch sync: ${during} failed`);
  };
  const step = createSyncStep({
    ...options,
    cache: options.cache,
    slot,
    staleness,
    report,
    // Once notices arrive, a poll that sees a newer version gives its notice a moment.
    noticeGraceMs: () => (intake.noticesArrive ? NOTICE_GRACE_MS : 0),
  });
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

  const loadFromSource = createSharedSourceLoad(async () => {
    slot.swap(await step.loadFromSource());
    staleness.confirm();
  });

  /** This instance holds at least `version` (or, without one, whatever PostgreSQL has now). */
  async function holdAtLeast(version: number | undefined): Promise<void> {
    if (version !== undefined && (slot.current?.version ?? -1) >= version) return;
    await loadFromSource();
  }

  const intake = createDeltaIntake({ slot, step, holdAtLeast, graceMs: NOTICE_GRACE_MS, metrics, report });

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
      subscription = bus.subscribe((notice) => void intake.takeNotice(notice).catch((e) => report(e, 'notice')));
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
    async publish(commit) {
      const before = slot.current;
      if (commit) await intake.takeCommit(commit);
      else await holdAtLeast(undefined);
      // PostgreSQL just answered with this version: the state is confirmed as of now.
      staleness.confirm();
      publication.schedule(before, commit);
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
      intake.stop();
      staleness.stop();
      await subscription?.close().catch(() => {});
      await inFlight;
      // What this instance committed still reaches the others, within a bound: a closing process must exit.
      await withDeadline(publication.idle(), options.operationTimeoutMs * 2, 'final publication').catch(() => {});
    },
  };
}
