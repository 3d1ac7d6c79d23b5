/**
 * Fleet-wide windows: workers add their bucket counts to Redis and read back the sum of the window, so
 * four workers each seeing a quarter of the failures decide as one worker seeing all would.
 *
 * One flush is ONE round trip whatever the number of dirty keys: a Lua script (window-script.ts, sent as
 * EVALSHA, EVAL on NOSCRIPT) adds every key's pending buckets and returns the sums of the keys asked for.
 * Each (target, client) is one hash whose fields are its buckets; the script drops buckets that left the
 * window and the key expires by itself (PEXPIRE of a window plus a margin) when the key goes quiet.
 */
import { createHash } from 'node:crypto';
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
import { WINDOW_SCRIPT } from './window-script';

/** The client id of a target's all-clients buckets (never a valid client id: `*` is refused). */
export const ALL_CLIENTS = '*';

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
   * script call (atomic, so the reads see this flush's writes).
   */
  pushAndRead(pushes: SharedPush[], reads: SharedRead[], now: number): Promise<WindowSums[]>;
  /** How long a key lives after its last write, in ms (a window, a bucket and a margin). */
  readonly ttlMs: number;
}

/** `<prefix>at:<target>:<client>`: one hash per (target, client); target names hold no `:`. */
export const windowKey = (prefix: string, target: string, clientId: string): string =>
  `${prefix}at:${target}:${clientId}`;

/** Fields of one bucket's packed value, in the order the script reads and writes them. */
const PACKED_FIELDS = [
  FIELD_TOTAL,
  FIELD_ERRORS,
  FIELD_LATENCY_SUM,
  FIELD_LATENCY_COUNT,
  FIELD_COST_SUM,
  FIELD_COST_COUNT,
] as const;

/** Margin for clock skew between workers on top of the window and the bucket being written. */
const EXPIRY_MARGIN_MS = 1_000;

const SCRIPT_SHA = createHash('sha1').update(WINDOW_SCRIPT).digest('hex');

export function createSharedWindowStore(
  redis: Redis,
  options: { keyPrefix: string; layout: BucketLayout; windowMs: number; timeoutMs: number },
): SharedWindowStore {
  const { keyPrefix, layout, timeoutMs } = options;
  // The expiry is set at the first write into a bucket; that bucket counts for a window after its end.
  const ttlMs = layout.bucketCount * layout.bucketMs + layout.bucketMs + EXPIRY_MARGIN_MS;

  /** EVALSHA; the script is sent whole only when the server does not know it yet (as ioredis defineCommand). */
  async function run(keys: string[], args: (string | number)[]): Promise<Buffer[]> {
    try {
      return (await redis.callBuffer('EVALSHA', SCRIPT_SHA, keys.length, ...keys, ...args)) as Buffer[];
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await redis.callBuffer('EVAL', WINDOW_SCRIPT, keys.length, ...keys, ...args)) as Buffer[];
    }
  }

  return {
    ttlMs,
    async pushAndRead(pushes, reads, now) {
      const nowIndex = Math.floor(now / layout.bucketMs);
      // One slot per distinct key: a key both pushed and read is sent once.
      const slots = new Map<string, { push?: SharedPush; read: boolean }>();
      for (const push of pushes) {
        const key = windowKey(keyPrefix, push.target, push.clientId);
        const slot = slots.get(key);
        if (slot) slot.push = push;
        else slots.set(key, { push, read: false });
      }
      for (const read of reads) {
        const key = windowKey(keyPrefix, read.target, read.clientId);
        const slot = slots.get(key);
        if (slot) slot.read = true;
        else slots.set(key, { read: true });
      }
      if (slots.size === 0) return [];

      const keys: string[] = [];
      const args: (string | number)[] = [nowIndex, layout.bucketCount, ttlMs];
      for (const [key, slot] of slots) {
        keys.push(key);
        const buckets: (string | number)[] = [];
        slot.push?.delta.forEachBucket((index, data, base) => {
          buckets.push(index);
          for (const field of PACKED_FIELDS) buckets.push(data[base + field] as number);
        });
        args.push(slot.read ? 1 : 0, buckets.length / (PACKED_FIELDS.length + 1), ...buckets);
      }

      const replies = await withTimeout(run(keys, args), timeoutMs);
      const byKey = new Map<string, WindowSums>();
      let r = 0;
      for (const [key, slot] of slots) {
        if (!slot.read) continue;
        byKey.set(key, parseSums(replies[r++]));
      }
      return reads.map((read) => byKey.get(windowKey(keyPrefix, read.target, read.clientId)) ?? emptySums());
    },
  };
}

/** The script's reply for one key: eleven little-endian doubles, the window's six sums then the latest bucket's five. */
export function parseSums(reply: Buffer | undefined): WindowSums {
  const sums = emptySums();
  if (reply === undefined || reply.length !== 88) return sums;
  sums.total = reply.readDoubleLE(0);
  sums.errors = reply.readDoubleLE(8);
  sums.latencySum = reply.readDoubleLE(16);
  sums.latencyCount = reply.readDoubleLE(24);
  sums.costSum = reply.readDoubleLE(32);
  sums.costCount = reply.readDoubleLE(40);
  sums.lastTotal = reply.readDoubleLE(48);
  sums.lastLatencySum = reply.readDoubleLE(56);
  sums.lastLatencyCount = reply.readDoubleLE(64);
  sums.lastCostSum = reply.readDoubleLE(72);
  sums.lastCostCount = reply.readDoubleLE(80);
  return sums;
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
