/**
 * One pass of the sync, deciding which store to believe: Redis when it
 * answers with a version we lack; PostgreSQL when Redis is absent, down or
 * flushed, and every `sourcePollIntervalMs` regardless (a writer that died
 * before publishing); Redis repaired from PostgreSQL when it lags.
 */
import { rootCauseMessage, withDeadline } from '@rtv/db';
import { type Snapshot, createSnapshot, fromPayload, toPayload, toSummary } from '../check/snapshot';
import type { Clock, StateCache, SwitchStore } from '../ports';
import type { SnapshotSlot } from './snapshot-slot';
import type { Staleness } from './staleness';

/** The part of the store the sync reads. */
export type SnapshotSource = Pick<SwitchStore, 'loadActive' | 'readVersion'>;

/** The last answer of a store: whether it worked, and if not, its root cause. */
export type StoreStatus = { ok: boolean; error?: string };

export interface SyncStepOptions {
  source: SnapshotSource;
  cache: StateCache | undefined;
  slot: SnapshotSlot;
  staleness: Staleness;
  clock: Clock;
  sourcePollIntervalMs: number;
  operationTimeoutMs: number;
  report: (error: unknown, during: string) => void;
}

export interface SyncStep {
  readonly postgres: StoreStatus;
  readonly redis: StoreStatus | undefined;
  syncOnce(): Promise<void>;
  loadFromSource(): Promise<Snapshot>;
  seedCache(snapshot: Snapshot): Promise<void>;
  /** The snapshot Redis holds if it is at least `version`; undefined when Redis cannot say. */
  readCacheAtLeast(version: number): Promise<Snapshot | undefined>;
}

export function createSyncStep(options: SyncStepOptions): SyncStep {
  const { source, cache, slot, staleness, clock, report } = options;
  const postgres: StoreStatus = { ok: false };
  const redis: StoreStatus | undefined = cache ? { ok: false } : undefined;
  let lastSourcePoll = Number.NEGATIVE_INFINITY;

  const call = <T>(promise: Promise<T>, what: string) => withDeadline(promise, options.operationTimeoutMs, what);
  const mark = (status: StoreStatus | undefined, error?: unknown) => {
    if (!status) return;
    status.ok = error === undefined;
    status.error = error === undefined ? undefined : rootCauseMessage(error);
  };

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
    if (!slot.current || version > slot.current.version) {
      const snapshot = await loadFromSource();
      slot.swap(snapshot);
      await seedCache(snapshot);
    }
  }

  /** The cache's version, `undefined` when it holds none, `null` when it did not answer. */
  async function cacheVersion(store: StateCache): Promise<number | undefined | null> {
    try {
      const version = await call(store.readVersion(), 'Redis version poll');
      mark(redis);
      return version;
    } catch (error) {
      mark(redis, error);
      report(error, 'redis-read');
      return null;
    }
  }

  /** Redis answered with a version: take it if newer, and ask PostgreSQL too when that is due. */
  async function syncFromCache(store: StateCache, version: number): Promise<void> {
    if (!slot.current || version > slot.current.version) {
      const payload = await call(store.read(), 'Redis snapshot read');
      if (payload) slot.swap(fromPayload(payload));
    }
    const sourceDue = clock.now() - lastSourcePoll >= options.sourcePollIntervalMs;
    if (sourceDue || !slot.current) {
      try {
        await syncFromSource();
      } catch (error) {
        // Redis answered with a state we hold: still confirmed, PostgreSQL is reported as down.
        report(error, 'postgres-poll');
        if (!slot.current) return;
      }
    }
    staleness.confirm();
  }

  async function syncOnce(): Promise<void> {
    const version = cache ? await cacheVersion(cache) : null;
    if (cache && typeof version === 'number') return syncFromCache(cache, version);
    await syncFromSource();
    // Flushed or never written: put it back.
    if (cache && version === undefined && slot.current) await seedCache(slot.current);
    staleness.confirm();
  }

  return {
    postgres,
    redis,
    syncOnce,
    loadFromSource,
    seedCache,
    async readCacheAtLeast(version) {
      if (!cache || !redis?.ok) return undefined;
      try {
        const payload = await call(cache.read(), 'Redis snapshot read');
        return payload && payload.version >= version ? fromPayload(payload) : undefined;
      } catch (error) {
        mark(redis, error);
        report(error, 'redis-read');
        return undefined;
      }
    },
  };
}
