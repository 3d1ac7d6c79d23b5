/**
 * Keeps this instance's snapshot current: loads it cold (Redis, else
 * PostgreSQL), swaps in newer versions on change notices and on a version
 * poll (pub/sub drops messages), repairs Redis when it lags or was flushed,
 * and tracks when the state was last confirmed fresh for the failure policy.
 */
import { type Logger, errorFields } from '@rtv/audit';
import { rootCauseMessage, withDeadline } from '@rtv/db';
import { type Snapshot, createSnapshot, fromPayload, toPayload, toSummary } from '../check/snapshot';
import { startTimer } from '../clock';
import type { ChangeBus, Clock, Metrics, StateCache, Subscription, SwitchStore } from '../ports';

/** The part of the store the sync reads. */
export type SnapshotSource = Pick<SwitchStore, 'loadActive' | 'readVersion'>;

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
  logger: Logger;
}

/** The last answer of a store: whether it worked, and if not, its root cause. */
type StoreStatus = { ok: boolean; error?: string };

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
  /** After a commit: load the new state from PostgreSQL, swap it in, store it in Redis, tell the others. */
  publish(): Promise<void>;
  /** Replaces the snapshot from PostgreSQL even at the same version (an operator's cache invalidation). */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

export function createSnapshotSync(options: SnapshotSyncOptions): SnapshotSync {
  const { source, cache, bus, clock, metrics } = options;
  let current: Snapshot | undefined;
  let confirmedAt = clock.now();
  let stale = false;
  let stopped = false;
  let inFlight: Promise<void> | undefined;
  let cancelPoll: (() => void) | undefined;
  let cancelStaleTimer: (() => void) | undefined;
  let subscription: Subscription | undefined;
  let lastSourcePoll = Number.NEGATIVE_INFINITY;
  let consecutiveFailures = 0;
  const postgres: StoreStatus = { ok: false };
  const redis: StoreStatus | undefined = cache ? { ok: false } : undefined;

  let resolveReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });

  const report = (error: unknown, during: string) => {
    metrics.increment('kill_switch_sync_errors_total', { during });
    options.logger.warn({ ...errorFields(error), during }, `kill-switch sync: ${during} failed`);
  };
  const mark = (status: StoreStatus | undefined, error?: unknown) => {
    if (!status) return;
    status.ok = error === undefined;
    status.error = error === undefined ? undefined : rootCauseMessage(error);
  };

  /**
   * One timer at a time, on the service's clock: when it fires, the clock
   * says whether the state really went unconfirmed that long (a confirmation
   * in between moves the deadline, and the timer is re-armed for the rest).
   */
  function armStaleTimer(): void {
    if (stopped || cancelStaleTimer) return;
    const remaining = confirmedAt + options.maxStalenessMs - clock.now();
    cancelStaleTimer = startTimer(
      clock,
      () => {
        cancelStaleTimer = undefined;
        if (stopped) return;
        if (clock.now() - confirmedAt >= options.maxStalenessMs) {
          if (!stale) metrics.increment('kill_switch_state_stale_total');
          stale = true;
          return;
        }
        armStaleTimer();
      },
      Math.max(0, remaining),
    );
  }

  function confirm(): void {
    confirmedAt = clock.now();
    stale = false;
    armStaleTimer();
  }

  function swap(next: Snapshot, force = false): boolean {
    if (!force && current && next.version <= current.version) return false;
    const first = current === undefined;
    current = next;
    metrics.increment('kill_switch_snapshot_swaps_total');
    if (first) resolveReady();
    return true;
  }

  const call = <T>(promise: Promise<T>, what: string) => withDeadline(promise, options.operationTimeoutMs, what);

  async function loadFromSource(): Promise<Snapshot> {
    const { version, active } = await call(source.loadActive(), 'PostgreSQL snapshot load');
    mark(postgres);
    return createSnapshot(version, active.map(toSummary));
  }

  async function seedCache(snapshot: Snapshot): Promise<void> {
    if (!cache) return;
    try {
      await call(cache.writeIfNewer(toPayload(snapshot)), 'Redis snapshot write');
      mark(redis);
    } catch (error) {
      mark(redis, error);
      report(error, 'redis-write');
    }
  }

  /** PostgreSQL path: used when Redis is absent, down, flushed, or periodically to catch a lagging Redis. */
  async function syncFromSource(): Promise<void> {
    lastSourcePoll = clock.now();
    let version: number;
    try {
      version = await call(source.readVersion(), 'PostgreSQL version poll');
      mark(postgres);
    } catch (error) {
      mark(postgres, error);
      throw error;
    }
    if (!current || version > current.version) {
      const snapshot = await loadFromSource();
      swap(snapshot);
      await seedCache(snapshot);
    }
  }

  async function syncOnce(): Promise<void> {
    if (cache && redis) {
      let cacheVersion: number | undefined;
      let cacheOk = true;
      try {
        cacheVersion = await call(cache.readVersion(), 'Redis version poll');
        mark(redis);
      } catch (error) {
        cacheOk = false;
        mark(redis, error);
        report(error, 'redis-read');
      }
      if (cacheOk && cacheVersion !== undefined) {
        if (!current || cacheVersion > current.version) {
          const payload = await call(cache.read(), 'Redis snapshot read');
          if (payload) swap(fromPayload(payload));
        }
        const sourceDue = clock.now() - lastSourcePoll >= options.sourcePollIntervalMs;
        if (!sourceDue && current) {
          confirm();
          return;
        }
        try {
          await syncFromSource();
        } catch (error) {
          // Redis answered with a state we hold: still confirmed, PostgreSQL is reported as down.
          report(error, 'postgres-poll');
          if (current) confirm();
          return;
        }
        confirm();
        return;
      }
      if (cacheOk && cacheVersion === undefined) {
        // Flushed or never written: rebuild from PostgreSQL and put it back.
        await syncFromSource();
        if (current) await seedCache(current);
        confirm();
        return;
      }
    }
    await syncFromSource();
    confirm();
  }

  /**
   * Single-flight, but a request that arrives during a sync runs once more
   * after it: that sync may have read the stores before the change committed.
   */
  let again = false;
  function refresh(): Promise<void> {
    if (inFlight) {
      again = true;
      return inFlight;
    }
    const run = async (): Promise<void> => {
      do {
        again = false;
        try {
          await syncOnce();
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
   * A change notice names the new version: read that snapshot straight from
   * Redis (one round trip instead of a version poll first). Anything short
   * of it (an older payload, Redis unreachable) falls back to a full sync.
   */
  async function takeNotice(version: number): Promise<void> {
    if (cache && redis?.ok) {
      try {
        const payload = await call(cache.read(), 'Redis snapshot read');
        if (payload && payload.version >= version) {
          swap(fromPayload(payload));
          return;
        }
      } catch (error) {
        mark(redis, error);
        report(error, 'redis-read');
      }
    }
    await refresh();
  }

  function schedulePoll(): void {
    if (stopped) return;
    // Back off while the stores fail, up to 8x the interval, so a dead server is not hammered.
    const backoff = Math.min(8, 2 ** Math.min(consecutiveFailures, 3));
    const delay = consecutiveFailures > 0 ? options.pollIntervalMs * backoff : options.pollIntervalMs;
    cancelPoll = startTimer(clock, () => void refresh().finally(schedulePoll), delay);
  }

  return {
    get current() {
      return current;
    },
    get stale() {
      return stale;
    },
    get confirmedAt() {
      return confirmedAt;
    },
    postgres,
    redis,
    ready,
    async start() {
      armStaleTimer();
      subscription = bus.subscribe((version) => {
        if (!current || version > current.version) void takeNotice(version);
      });
      try {
        // Listening before the first load, so no notice falls between the two; bounded, as Redis may be down.
        await call(subscription.ready, 'change bus subscribe');
      } catch (error) {
        report(error, 'subscribe');
      }
      if (stopped) return;
      await refresh();
      schedulePoll();
    },
    refresh,
    async publish() {
      const snapshot = await loadFromSource();
      swap(snapshot);
      confirm();
      await seedCache(snapshot);
      try {
        await call(bus.publish(snapshot.version), 'change publish');
      } catch (error) {
        report(error, 'publish');
      }
    },
    async reload() {
      const snapshot = await loadFromSource();
      swap(snapshot, true);
      confirm();
      await seedCache(snapshot);
    },
    async stop() {
      stopped = true;
      cancelPoll?.();
      cancelStaleTimer?.();
      await subscription?.close().catch(() => {});
      await inFlight;
    },
  };
}
