/**
 * What `getStats` answers: a window's errors, total and rate, with the
 * bucket-aligned span it covers.
 */
import type { Clock } from '../ports';
import type { AutoTripStats } from './auto-trip-monitor';
import type { KeyRegistry } from './key-registry';
import { type BucketLayout, type RollingCounter, type WindowSums, emptySums } from './rolling-counter';

export function createWindowStats(registry: KeyRegistry, layout: BucketLayout, clock: Clock) {
  const scratch: WindowSums = emptySums();
  function toStats(sums: WindowSums, now: number): AutoTripStats {
    const windowStart = (Math.floor(now / layout.bucketMs) - layout.bucketCount + 1) * layout.bucketMs;
    return {
      errors: sums.errors,
      total: sums.total,
      errorRate: sums.total > 0 ? sums.errors / sums.total : 0,
      windowStart,
      windowEnd: now,
    };
  }

  const statsOf = (counter: RollingCounter | undefined, now: number): AutoTripStats =>
    toStats(counter ? counter.sums(now, scratch) : emptySums(), now);

  function getStats(target: string, clientId?: string): AutoTripStats {
    const owner = registry.targets.get(target);
    const now = clock.now();
    if (clientId === undefined) return statsOf(owner?.aggregate, now);
    return statsOf(owner?.clients.get(clientId)?.counter, now);
  }

  return { toStats, getStats };
}
