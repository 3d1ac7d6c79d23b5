/**
 * Fleet-wide windows: workers add their bucket counts to Redis hashes and read back the sum of the
 * window, so four workers each seeing a quarter of the failures decide as one worker seeing all would.
 */
import type { Redis } from 'ioredis';
import {
  type BucketLayout,
  FIELD_COST_COUNT,
  FIELD_COST_SUM,
  FIELD_ERRORS,
  FIELD_LATENCY_COUNT,
  FIELD_LATENCY_SUM,
  FIELD_TOTAL,
  type RollingCounter,
  type WindowSums,
  emptySums,
} from './rolling-counter';

/** The client id of a target's all-clients buckets (never a valid client id: `*` is refused). */
export const ALL_CLIENTS = '*';

/** Hash fields of one bucket, in the order HMGET reads them. */
const FIELDS = ['t', 'e', 'ls', 'lc', 'cs', 'cc'] as const;

export interface SharedPush {
  target: string;
  clientId: string;
  delta: RollingCounter;
}

export interface SharedRead {
  target: string;
  clientId: string;
}

export interface SharedWindowStore {
  /**
   * Adds the deltas, then reads the window of each requested key, in one
   * pipeline (reads follow the writes on the connection, so they see them).
   */
  pushAndRead(pushes: SharedPush[], reads: SharedRead[], now: number): Promise<WindowSums[]>;
}

/** `<prefix>at:<target>:<client>:<bucketStart>`: target names hold no `:`, bucket starts are digits. */
export const bucketKey = (prefix: string, target: string, clientId: string, bucketStart: number): string =>
  `${prefix}at:${target}:${clientId}:${bucketStart}`;

export function createSharedWindowStore(
  redis: Redis,
  options: { keyPrefix: string; layout: BucketLayout; windowMs: number; timeoutMs: number },
): SharedWindowStore {
  const { keyPrefix, layout, timeoutMs } = options;
  // Two windows: a bucket outlives every reader that may still sum it, then Redis drops it by itself.
  const ttlMs = options.windowMs * 2;

  return {
    async pushAndRead(pushes, reads, now) {
      const pipeline = redis.pipeline();
      for (const push of pushes) {
        push.delta.forEachBucket((index, data, base) => {
          const key = bucketKey(keyPrefix, push.target, push.clientId, index * layout.bucketMs);
          pipeline.hincrby(key, 't', data[base + FIELD_TOTAL] as number);
          const errors = data[base + FIELD_ERRORS] as number;
          if (errors > 0) pipeline.hincrby(key, 'e', errors);
          const latencyCount = data[base + FIELD_LATENCY_COUNT] as number;
          if (latencyCount > 0) {
            pipeline.hincrbyfloat(key, 'ls', data[base + FIELD_LATENCY_SUM] as number);
            pipeline.hincrby(key, 'lc', latencyCount);
          }
          const costCount = data[base + FIELD_COST_COUNT] as number;
          if (costCount > 0) {
            pipeline.hincrbyfloat(key, 'cs', data[base + FIELD_COST_SUM] as number);
            pipeline.hincrby(key, 'cc', costCount);
          }
          pipeline.pexpire(key, ttlMs);
        });
      }
      const firstRead = pipeline.length;
      const nowIndex = Math.floor(now / layout.bucketMs);
      for (const read of reads) {
        for (let index = nowIndex - layout.bucketCount + 1; index <= nowIndex; index++) {
          pipeline.hmget(bucketKey(keyPrefix, read.target, read.clientId, index * layout.bucketMs), ...FIELDS);
        }
      }
      const results = await withTimeout(pipeline.exec(), timeoutMs);
      if (results === null) throw new Error('Redis pipeline was discarded');
      for (const [error] of results) if (error) throw error;

      return reads.map((_, r) => {
        const sums = emptySums();
        for (let b = 0; b < layout.bucketCount; b++) {
          const value = results[firstRead + r * layout.bucketCount + b]?.[1] as (string | null)[] | undefined;
          if (!value) continue;
          const [t, e, ls, lc, cs, cc] = value.map((v) => (v === null ? 0 : Number(v))) as number[];
          sums.total += t ?? 0;
          sums.errors += e ?? 0;
          sums.latencySum += ls ?? 0;
          sums.latencyCount += lc ?? 0;
          sums.costSum += cs ?? 0;
          sums.costCount += cc ?? 0;
          if (b === layout.bucketCount - 1) {
            sums.lastTotal = t ?? 0;
            sums.lastLatencySum = ls ?? 0;
            sums.lastLatencyCount = lc ?? 0;
            sums.lastCostSum = cs ?? 0;
            sums.lastCostCount = cc ?? 0;
          }
        }
        return sums;
      });
    },
  };
}

/** A push that hangs (a dead connection, a full offline queue) must not hold evaluation forever. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
    timer.unref();
  });
  promise.catch(() => {}); // a late rejection after the timeout is already reported
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
