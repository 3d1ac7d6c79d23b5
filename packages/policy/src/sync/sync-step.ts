/**
 * One pass of the sync, deciding which store to believe. PostgreSQL is the
 * truth and Redis a hint: a cold instance asks PostgreSQL first (Redis only
 * when PostgreSQL does not answer); a warm one takes a newer version from
 * Redis and asks PostgreSQL every `sourcePollIntervalMs` regardless. A
 * cache that is unreadable, or ahead of PostgreSQL, is repaired from it;
 * a cache holding another database's state is neither read nor written.
 */
import { rootCauseMessage, withDeadline } from '@rtv/db';
import { type Snapshot, createSnapshot, fromPayload, toPayload, toSummary } from '../check/snapshot';
import type { CacheHead, Clock, StateCache, SwitchStore } from '../ports';
import type { SnapshotSlot } from './snapshot-slot';
import type { Staleness } from './staleness';

/** The part of the store the sync reads. */
export type SnapshotSource = Pick<SwitchStore, 'loadActive' | 'readVersion'>;

/** The last answer of a store: whether it worked, and if not, its root cause. */
export type StoreStatus = {
  ok: boolean;
  error?: string;
  /** The cache's namespace holds another database's state: this instance ignores it. */
  foreign?: boolean;
};

export interface SyncStepOptions {
  source: SnapshotSource;
  cache: StateCache | undefined;
  slot: SnapshotSlot;
  staleness: Staleness;
  clock: Clock;
  sourcePollIntervalMs: number;
  operationTimeoutMs: number;
  /** Names the cache's namespace in messages (e.g. the Redis key prefix). */
  cacheNamespace: string;
  report: (error: unknown, during: string) => void;
}

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
  const { source, cache, slot, staleness, clock, report } = options;
  const postgres: StoreStatus = { ok: false };
  const redis: StoreStatus | undefined = cache ? { ok: false } : undefined;
  let lastSourcePoll = Number.NEGATIVE_INFINITY;

  const call = <T>(promise: Promise<T>, what: string) => withDeadline(promise, options.operationTimeoutMs, what);
  const mark = (status: StoreStatus | undefined, error?: unknown) => {
    if (!status) return;
    status.ok = error === undefined;
    status.error = error === undefined ? undefined : rootCauseMessage(error);
    status.foreign = undefined;
  };

  function markForeign(owner: string | null): void {
    if (!redis || redis.foreign) return;
    redis.ok = false;
    redis.foreign = true;
    // What to do comes first: a table may cut the rest.
    const where = `namespace ${options.cacheNamespace}, owner ${owner ?? 'unknown'}`;
    redis.error = `namespace owned by another database: give this one a keyPrefix of its own (${where}; this instance follows PostgreSQL alone)`;
    report(new Error(redis.error), 'redis-namespace');
  }

  async function loadFromSource(): Promise<Snapshot> {
    const { version, active, databaseId } = await call(source.loadActive(), 'PostgreSQL snapshot load');
    mark(postgres);
    return createSnapshot(version, active.map(toSummary), databaseId);
  }

  async function seedCache(snapshot: Snapshot, mode: 'if-newer' | 'replace'): Promise<void> {
    if (!cache || redis?.foreign) return;
    try {
      const outcome = await call(cache.write(toPayload(snapshot), mode), 'Redis snapshot write');
      if (outcome === 'foreign') {
        const owner = await call(cache.readHead(), 'Redis version poll').catch(() => undefined);
        markForeign(owner?.databaseId ?? null);
      } else mark(redis);
    } catch (error) {
      mark(redis, error);
      report(error, 'redis-write');
    }
  }

  /** PostgreSQL's state wins: a state ahead of it (a poisoned or replayed cache) is undone and the cache repaired. */
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
    const current = slot.current;
    if (current && version === current.version) return;
    const snapshot = await loadFromSource();
    const backwards = current !== undefined && snapshot.version < current.version;
    slot.swap(snapshot, backwards);
    await seedCache(snapshot, backwards ? 'replace' : 'if-newer');
  }

  /** The cache's head; `null` when the cache did not answer. */
  async function cacheHead(store: StateCache): Promise<CacheHead | undefined | null> {
    try {
      const head = await call(store.readHead(), 'Redis version poll');
      if (!redis?.foreign) mark(redis);
      return head;
    } catch (error) {
      mark(redis, error);
      report(error, 'redis-read');
      return null;
    }
  }

  /** The cache's snapshot, or undefined when it is unreadable (reported). */
  async function readCache(store: StateCache): Promise<Snapshot | undefined> {
    try {
      return fromPayload(await call(store.read(), 'Redis snapshot read'));
    } catch (error) {
      report(error, 'redis-read');
      return undefined;
    }
  }

  /** A warm instance whose cache is this database's: take a newer version, and ask PostgreSQL when due. */
  async function syncFromCache(store: StateCache, head: CacheHead, current: Snapshot): Promise<void> {
    if (head.version > current.version) {
      const cached = await readCache(store);
      if (cached && cached.databaseId === current.databaseId) {
        slot.swap(cached);
      } else {
        // Unreadable (or owned by nobody we know): PostgreSQL says what is true, and the cache is put right.
        await syncFromSource();
        if (slot.current) await seedCache(slot.current, 'replace');
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
  async function coldFromCache(store: StateCache, cause: unknown): Promise<void> {
    const cached = (await cacheHead(store)) ? await readCache(store) : undefined;
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
    const head = await cacheHead(cache);
    if (head && head.databaseId !== null && head.databaseId !== current.databaseId) markForeign(head.databaseId);
    else if (redis?.foreign && head !== null) mark(redis);
    if (head === null || head === undefined || redis?.foreign) {
      // Redis down, flushed or foreign: follow PostgreSQL (and put a flushed cache back).
      await syncFromSource();
      if (head === undefined && slot.current) await seedCache(slot.current, 'if-newer');
      staleness.confirm();
      return;
    }
    await syncFromCache(cache, head, current);
  }

  return {
    postgres,
    redis,
    syncOnce,
    loadFromSource,
    seedCache,
    async readCacheAtLeast(version, databaseId) {
      if (!cache || !redis?.ok) return undefined;
      const cached = await readCache(cache);
      return cached && cached.version >= version && cached.databaseId === databaseId ? cached : undefined;
    },
  };
}
