/**
 * `health()`: each store probed within the operation timeout, and the
 * snapshot judged by how long ago it was confirmed. A closed service is
 * failed: it no longer follows changes.
 */
import { rootCauseMessage, withDeadline } from '@rtv/db';
import type { Clock, StateCache, SwitchStore } from './ports';
import type { SnapshotSync } from './sync/snapshot-sync';
import type { ComponentStatus, HealthReport } from './types';

export interface HealthOptions {
  store: SwitchStore;
  cache: StateCache | undefined;
  sync: Pick<SnapshotSync, 'current' | 'stale' | 'confirmedAt' | 'redis'>;
  clock: Clock;
  pollIntervalMs: number;
  operationTimeoutMs: number;
  maxStalenessMs: number;
  isClosed: () => boolean;
}

type Probe = { status: ComponentStatus; latencyMs?: number; error?: string };

export function createHealthCheck(options: HealthOptions): () => Promise<HealthReport> {
  const { sync, clock } = options;

  async function probe(run: () => Promise<unknown>, what: string): Promise<Probe> {
    const startedAt = performance.now();
    try {
      await withDeadline(run(), options.operationTimeoutMs, what);
      return { status: 'operational', latencyMs: Math.round((performance.now() - startedAt) * 100) / 100 };
    } catch (error) {
      return { status: 'failed', error: rootCauseMessage(error) };
    }
  }

  function snapshotStatus(ageMs: number): ComponentStatus {
    if (options.isClosed() || sync.current === undefined || sync.stale) return 'failed';
    return ageMs > options.pollIntervalMs * 3 + options.operationTimeoutMs ? 'degraded' : 'operational';
  }

  return async () => {
    const { cache } = options;
    const [postgres, cacheProbe] = await Promise.all([
      probe(() => options.store.readVersion(), 'store health probe'),
      cache ? probe(() => cache.readHead(), 'cache health probe') : Promise.resolve(undefined),
    ]);
    // A namespace held by another database answers, but this instance cannot use it: say so and how to fix it.
    const redisStatus =
      cacheProbe && sync.redis?.foreign ? { status: 'failed' as const, error: sync.redis.error } : cacheProbe;
    const ageMs = Math.max(0, clock.now() - sync.confirmedAt);
    const snapshot = snapshotStatus(ageMs);
    const others: ComponentStatus[] = [postgres.status, redisStatus?.status ?? 'operational'];
    const status: ComponentStatus =
      snapshot === 'failed'
        ? 'failed'
        : snapshot === 'degraded' || others.some((s) => s !== 'operational')
          ? 'degraded'
          : 'operational';
    return {
      status,
      closed: options.isClosed(),
      components: {
        postgres,
        redis: redisStatus ? { ...redisStatus, configured: true } : { status: 'operational', configured: false },
        snapshot: {
          status: snapshot,
          version: sync.current?.version ?? -1,
          ageMs,
          activeSwitches: sync.current?.index.size ?? 0,
          maxStalenessMs: options.maxStalenessMs,
        },
      },
    };
  };
}
