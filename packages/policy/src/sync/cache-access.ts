/**
 * The sync's access to the cache (Redis): every call bounded, every failure
 * reported and kept as the cache's status, and a namespace held by another
 * database remembered, so it is neither read nor written again.
 */
import { rootCauseMessage, withDeadline } from '@rtv/db';
import { type Snapshot, fromPayload, toPayload } from '../check/snapshot';
import type { CacheHead, Metrics, StateCache } from '../ports';

/** The last answer of a store: whether it worked, and if not, its root cause. */
export type StoreStatus = {
  ok: boolean;
  error?: string;
  /** The cache's namespace holds another database's state: this instance ignores it. */
  foreign?: boolean;
};

export interface CacheAccessOptions {
  cache: StateCache;
  metrics: Metrics;
  operationTimeoutMs: number;
  /** Names the cache's namespace in messages (e.g. the Redis key prefix). */
  cacheNamespace: string;
  report: (error: unknown, during: string) => void;
}

export interface CacheAccess {
  readonly status: StoreStatus;
  /** The cache's head; `null` when the cache did not answer. */
  head(): Promise<CacheHead | undefined | null>;
  /** The cache's snapshot, or undefined when it is unreadable (reported). */
  read(): Promise<Snapshot | undefined>;
  /** Puts a snapshot in the cache (`replace` to repair it); reports, never throws. */
  seed(snapshot: Snapshot, mode: 'if-newer' | 'replace'): Promise<void>;
  markForeign(owner: string | null): void;
  /** A store call worked (or failed with `error`). */
  mark(error?: unknown): void;
}

export function createCacheAccess(options: CacheAccessOptions): CacheAccess {
  const { cache, report } = options;
  const status: StoreStatus = { ok: false };
  const call = <T>(promise: Promise<T>, what: string) => withDeadline(promise, options.operationTimeoutMs, what);

  function mark(error?: unknown): void {
    status.ok = error === undefined;
    status.error = error === undefined ? undefined : rootCauseMessage(error);
    status.foreign = undefined;
  }

  function markForeign(owner: string | null): void {
    if (status.foreign) return;
    status.ok = false;
    status.foreign = true;
    // What to do comes first: a table may cut the rest.
    const where = `namespace ${options.cacheNamespace}, owner ${owner ?? 'unknown'}`;
    status.error = `namespace owned by another database: give this one a keyPrefix of its own (${where}; this instance follows PostgreSQL alone)`;
    report(new Error(status.error), 'redis-namespace');
  }

  return {
    status,
    mark,
    markForeign,
    async head() {
      try {
        const head = await call(cache.readHead(), 'Redis version poll');
        if (!status.foreign) mark();
        return head;
      } catch (error) {
        mark(error);
        report(error, 'redis-read');
        return null;
      }
    },
    async read() {
      options.metrics.increment('kill_switch_snapshot_reads_total', { store: 'redis' });
      try {
        return fromPayload(await call(cache.read(), 'Redis snapshot read'));
      } catch (error) {
        report(error, 'redis-read');
        return undefined;
      }
    },
    async seed(snapshot, mode) {
      if (status.foreign) return;
      try {
        const outcome = await call(cache.write(toPayload(snapshot), mode), 'Redis snapshot write');
        if (outcome !== 'foreign') return mark();
        const owner = await call(cache.readHead(), 'Redis version poll').catch(() => undefined);
        markForeign(owner?.databaseId ?? null);
      } catch (error) {
        mark(error);
        report(error, 'redis-write');
      }
    },
  };
}
