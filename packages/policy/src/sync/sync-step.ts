/**
 * One pass of the sync, deciding which store to believe. PostgreSQL is the
 * truth and Redis a hint: a cold instance asks PostgreSQL first (Redis only
 * when PostgreSQL does not answer); a warm one takes a newer version from
 * Redis and asks PostgreSQL every `sourcePollIntervalMs` regardless. A
 * cache that is unreadable, or ahead of PostgreSQL, is repaired from it;
 * a cache holding another database's state is neither read nor written.
 */
import { rootCauseMessage, withDeadline } from '@rtv/db';
import { type Snapshot, createSnapshot, toSummary } from '../check/snapshot';
import type { CacheHead, Clock, Metrics, StateCache, SwitchStore } from '../ports';
import { type CacheAccess, type StoreStatus, createCacheAccess } from './cache-access';
import type { SnapshotSlot } from './snapshot-slot';
import type { Staleness } from './staleness';

export type { StoreStatus } from './cache-access';

/** The part of the store the sync reads. */
export type SnapshotSource = Pick<SwitchStore, 'loadActive' | 'readVersion'>;

export interface SyncStepOptions {
  source: SnapshotSource;
  cache: StateCache | undefined;
  slot: SnapshotSlot;
  staleness: Staleness;
  clock: Clock;
  /** Counts whole-snapshot reads (`kill_switch_snapshot_reads_total{store}`): what deltas spare. */
  metrics: Metrics;
  sourcePollIntervalMs: number;
  operationTimeoutMs: number;
  /** Names the cache's namespace in messages (e.g. the Redis key prefix). */
  cacheNamespace: string;
  /**
   * How long a poll that finds a newer version in the cache first waits for its notice (which
   * carries just the changes) before reading the whole snapshot; 0 when notices do not arrive.
   */
  noticeGraceMs: () => number;
  report: (error: unknown, during: string) => void;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.());

export interface SyncStep {
  readonly postgres: StoreStatus;
  readonly redis: StoreStatus | undefined;
  syncOnce(): Promise<void>;
  loadFromSource(): Promise<Snapshot>;
  /** Puts a snapshot in the cache (`replace` to repair it); reports, never throws. */
  seedCache(snapshot: Snapshot, mode: 'if-newer' | 'replace'): Promise<void>;
  /** The cache's snapshot if it is this database's and at least `version`; undefined otherwise. */
  readCacheAtLeast(version: number, databaseId: string): Promise<Snapshot | undefined>;
}

export function createSyncStep(options: SyncStepOptions): SyncStep {
  const { source, slot, staleness, clock, report } = options;
  const postgres: StoreStatus = { ok: false };
  const cache: CacheAccess | undefined = options.cache && createCacheAccess({ ...options, cache: options.cache });
  let lastSourcePoll = Number.NEGATIVE_INFINITY;

  const call = <T>(promise: Promise<T>, what: string) => withDeadline(promise, options.operationTimeoutMs, what);
  const markPostgres = (error?: unknown) => {
    postgres.ok = error === undefined;
    postgres.error = error === undefined ? undefined : rootCauseMessage(error);
  };
  const seedCache = async (snapshot: Snapshot, mode: 'if-newer' | 'replace') => cache?.seed(snapshot, mode);

  async function loadFromSource(): Promise<Snapshot> {
    options.metrics.increment('kill_switch_snapshot_reads_total', { store: 'postgres' });
    const { version, active, databaseId } = await call(source.loadActive(), 'PostgreSQL snapshot load');
    markPostgres();
    return createSnapshot(version, active.map(toSummary), databaseId);
  }

  /** PostgreSQL's state wins: a state ahead of it (a poisoned or replayed cache) is undone and the cache repaired. */
  async function syncFromSource(): Promise<void> {
    lastSourcePoll = clock.now();
    let version: number;
    try {
      version = await call(source.readVersion(), 'PostgreSQL version poll');
      markPostgres();
    } catch (error) {
      markPostgres(error);
      throw error;
    }
    const current = slot.current;
    if (current && version === current.version) return;
    const snapshot = await loadFromSource();
    const backwards = current !== undefined && snapshot.version < current.version;
    slot.swap(snapshot, backwards);
    await seedCache(snapshot, backwards ? 'replace' : 'if-newer');
  }

  /** A warm instance whose cache is this database's: take a newer version, and ask PostgreSQL when due. */
  async function syncFromCache(access: CacheAccess, head: CacheHead, current: Snapshot): Promise<void> {
    const grace = head.version > current.version ? options.noticeGraceMs() : 0;
    if (grace > 0) await pause(grace);
    if (head.version > (slot.current?.version ?? current.version)) {
      const cached = await access.read();
      if (cached && cached.databaseId === current.databaseId) {
        slot.swap(cached);
      } else {
        // Unreadable (or owned by nobody we know): PostgreSQL says what is true, and the cache is put right.
        await syncFromSource();
        if (slot.current) await access.seed(slot.current, 'replace');
        staleness.confirm();
        return;
      }
    }
    if (clock.now() - lastSourcePoll >= options.sourcePollIntervalMs) {
      try {
        await syncFromSource();
      } catch (error) {
        // Redis answered with a state we hold: still confirmed, PostgreSQL is reported as down.
        report(error, 'postgres-poll');
      }
    }
    staleness.confirm();
  }

  /** Cold, PostgreSQL down: the cache is better than nothing. */
  async function coldFromCache(access: CacheAccess, cause: unknown): Promise<void> {
    const cached = (await access.head()) ? await access.read() : undefined;
    if (!cached) throw cause;
    slot.swap(cached);
    staleness.confirm();
  }

  async function syncOnce(): Promise<void> {
    const current = slot.current;
    if (!current || !cache) {
      try {
        await syncFromSource();
      } catch (error) {
        if (current || !cache) throw error;
        await coldFromCache(cache, error);
        return;
      }
      staleness.confirm();
      return;
    }
    const head = await cache.head();
    if (head && head.databaseId !== null && head.databaseId !== current.databaseId) cache.markForeign(head.databaseId);
    else if (cache.status.foreign && head !== null) cache.mark();
    if (head === null || head === undefined || cache.status.foreign) {
      // Redis down, flushed or foreign: follow PostgreSQL (and put a flushed cache back).
      await syncFromSource();
      if (head === undefined && slot.current) await cache.seed(slot.current, 'if-newer');
      staleness.confirm();
      return;
    }
    await syncFromCache(cache, head, current);
  }

  return {
    postgres,
    redis: cache?.status,
    syncOnce,
    loadFromSource,
    seedCache,
    async readCacheAtLeast(version, databaseId) {
      if (!cache?.status.ok) return undefined;
      const cached = await cache.read();
      return cached && cached.version >= version && cached.databaseId === databaseId ? cached : undefined;
    },
  };
}
