/**
 * The fleet flush on a real Redis: one command (one round trip) per flush whatever the number of dirty
 * keys, keys that expire and shed old buckets by themselves, and window sums equal to a brute-force sum
 * over every record the fleet made (random workers, clients, outcomes and clock jumps).
 */
import { silentLogger } from '@rtv/audit';
import { createTestRedis, deleteKeysWithPrefix, testRedisTarget, uniqueKeyPrefix } from '@rtv/testing';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKillSwitchTestKit } from '../../testing/kill-switch-test-kit';
import { createTestClock } from '../../testing/test-clock';
import { type AutoTripMonitor, createAutoTripMonitor } from '../auto-trip-monitor';
import type { AutoTripMonitorConfig } from '../config';
import { RollingCounter, type WindowSums, bucketLayout } from '../rolling-counter';
import { createSharedWindowStore } from '../shared-window';
import { readWindowHash } from './read-window-hash';
import { type RedisCommandCounter, createRedisCommandCounter } from './redis-command-counter';

const WINDOW_MS = 10_000;
const BUCKETS = 10;
const BUCKET_MS = WINDOW_MS / BUCKETS;
// Thresholds no test reaches: these tests are about the counts, not the trips.
const config: AutoTripMonitorConfig = {
  windowMs: WINDOW_MS,
  bucketCount: BUCKETS,
  checkIntervalMs: 1_000,
  thresholds: { 'platform:meta': { errorRate: 1, minSamples: 1_000_000_000 } },
  aggregateThresholds: { 'platform:meta': { errorRate: 1, minSamples: 1_000_000_000 } },
};

let redis: Redis;
let counter: RedisCommandCounter;
let counted: Redis;
const prefixes: string[] = [];
beforeAll(async () => {
  redis = createTestRedis();
  counter = await createRedisCommandCounter(testRedisTarget());
  counted = new Redis({ host: '127.0.0.1', port: counter.port, maxRetriesPerRequest: 1 });
  await counted.ping();
});
afterAll(async () => {
  for (const prefix of prefixes) await deleteKeysWithPrefix(redis, prefix);
  counted.disconnect();
  redis.disconnect();
  await counter.close();
});

function monitorOn(client: Redis, keyPrefix: string, clock = createTestClock(Date.now())): AutoTripMonitor {
  prefixes.push(keyPrefix);
  return createAutoTripMonitor({
    killSwitchService: createKillSwitchTestKit({ clock }).service,
    redis: client,
    keyPrefix,
    clock,
    config,
    logger: {
      ...silentLogger,
      error: (fields, message) => {
        throw new Error(`${message}: ${String(fields.err)}`);
      },
    },
  });
}

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  return keys;
}

describe('fleet flush: one round trip', () => {
  it('sends exactly one command per flush, for 1, 10 and 1,000 dirty keys', async () => {
    const prefix = uniqueKeyPrefix();
    const monitor = monitorOn(counted, prefix);
    // The first flush may meet NOSCRIPT and send the script whole (EVAL) once.
    monitor.recordResult({ target: 'platform:meta', clientId: 'warm_up', success: true });
    await monitor.flush();

    for (const dirty of [1, 10, 1_000]) {
      for (let c = 0; c < dirty; c++) {
        monitor.recordResult({ target: 'platform:meta', clientId: `c${dirty}_${c}`, success: c % 3 !== 0 });
        monitor.recordResult({ target: 'platform:meta', clientId: `c${dirty}_${c}`, success: true, latencyMs: 12 });
      }
      const mark = counter.commands.length;
      await monitor.flush();
      expect(counter.commands.slice(mark)).toEqual(['EVALSHA']);
      expect((await monitor.getSharedStats('platform:meta', `c${dirty}_0`)).total).toBe(2);
    }
    // dirty keys + the all-clients key, each read back from the same call
    expect(monitor.counters().redisFailures).toBe(0);
    expect((await monitor.getSharedStats('platform:meta')).total).toBe(2 * (1 + 10 + 1_000) + 1);
  });

  it('sends nothing when nothing is dirty', async () => {
    const monitor = monitorOn(counted, uniqueKeyPrefix());
    const mark = counter.commands.length;
    await monitor.flush();
    expect(counter.commands.slice(mark)).toEqual([]);
  });
});

describe('fleet flush: keys look after themselves', () => {
  it('sets an expiry of a window plus a margin on every key it writes', async () => {
    const prefix = uniqueKeyPrefix();
    const monitor = monitorOn(redis, prefix);
    for (let c = 0; c < 20; c++) monitor.recordResult({ target: 'platform:meta', clientId: `e${c}`, success: false });
    await monitor.flush();
    const keys = await keysUnder(prefix);
    expect(keys).toHaveLength(21); // 20 clients and the all-clients window
    for (const key of keys) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(WINDOW_MS);
      expect(ttl).toBeLessThanOrEqual(WINDOW_MS + BUCKET_MS + 1_000);
    }
  });

  it('drops buckets that left the window at the next write, and ignores them in the sums', async () => {
    const prefix = uniqueKeyPrefix();
    const clock = createTestClock(Date.now());
    const monitor = monitorOn(redis, prefix, clock);
    const key = `${prefix}at:platform:meta:old`;
    for (let i = 0; i < 5; i++) monitor.recordResult({ target: 'platform:meta', clientId: 'old', success: false });
    await monitor.flush();
    const first = String(Math.floor(clock.now() / BUCKET_MS));
    expect(Object.keys(await redis.hgetall(key)).sort()).toEqual([first, 'x'].sort());

    clock.advance(WINDOW_MS + BUCKET_MS); // the first bucket is out of every window from now on
    expect((await monitor.getSharedStats('platform:meta', 'old')).total).toBe(0);
    monitor.recordResult({ target: 'platform:meta', clientId: 'old', success: true });
    await monitor.flush();
    const second = String(Math.floor(clock.now() / BUCKET_MS));
    expect(await readWindowHash(redis, key)).toEqual({ [second]: [1, 0, 0, 0, 0, 0], x: second });
    expect(await redis.pttl(key)).toBeGreaterThan(WINDOW_MS);
  });
});

/** One step of a random fleet history. */
type Step =
  | { kind: 'record'; worker: number; client: number; success: boolean; latency: number | null; cost: number | null }
  | { kind: 'flush'; worker: number }
  | { kind: 'advance'; ms: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('record' as const),
      worker: fc.integer({ min: 0, max: 2 }),
      client: fc.integer({ min: 0, max: 2 }),
      success: fc.boolean(),
      // Halves and whole numbers: their sums are exact in binary floating point, so equality is exact.
      latency: fc.option(fc.integer({ min: 0, max: 4_000 }).map((n) => n / 2)),
      cost: fc.option(fc.integer({ min: 0, max: 400 }).map((n) => n / 2)),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('flush' as const), worker: fc.integer({ min: 0, max: 2 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.oneof(fc.integer({ min: 1, max: BUCKET_MS * 2 }), fc.integer({ min: 1, max: WINDOW_MS * 1.5 })),
    }),
  },
);

interface Sent {
  at: number;
  client: number;
  success: boolean;
  latency: number | null;
  cost: number | null;
}

/** The fleet's window at `now` by brute force: every flushed record whose bucket is in the window. */
function bruteForce(sent: Sent[], now: number, client: number): WindowSums {
  const nowIndex = Math.floor(now / BUCKET_MS);
  const sum = (list: Sent[], pick: (r: Sent) => number | null) => list.reduce((s, r) => s + (pick(r) ?? 0), 0);
  const count = (list: Sent[], pick: (r: Sent) => number | null) => list.filter((r) => pick(r) !== null).length;
  const inWindow = sent.filter((r) => {
    const index = Math.floor(r.at / BUCKET_MS);
    return r.client === client && index > nowIndex - BUCKETS && index <= nowIndex;
  });
  const last = inWindow.filter((r) => Math.floor(r.at / BUCKET_MS) === nowIndex);
  return {
    total: inWindow.length,
    errors: inWindow.filter((r) => !r.success).length,
    latencySum: sum(inWindow, (r) => r.latency),
    latencyCount: count(inWindow, (r) => r.latency),
    costSum: sum(inWindow, (r) => r.cost),
    costCount: count(inWindow, (r) => r.cost),
    lastTotal: last.length,
    lastLatencySum: sum(last, (r) => r.latency),
    lastLatencyCount: count(last, (r) => r.latency),
    lastCostSum: sum(last, (r) => r.cost),
    lastCostCount: count(last, (r) => r.cost),
  };
}

describe('fleet flush: window sums against a brute-force reference', () => {
  it('equals, field by field, the sum of every flushed record in the window', async () => {
    const layout = bucketLayout(WINDOW_MS, BUCKETS);
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 60 }), async (steps) => {
        const prefix = uniqueKeyPrefix();
        prefixes.push(prefix);
        const store = createSharedWindowStore(redis, {
          keyPrefix: prefix,
          layout,
          windowMs: WINDOW_MS,
          timeoutMs: 5_000,
        });
        let now = Date.now();
        // Each worker's pending counts per client, as the monitor keeps them between flushes.
        const deltas = [0, 1, 2].map(() => [0, 1, 2].map(() => new RollingCounter(layout)));
        const pending: Sent[][] = [[], [], []];
        const sent: Sent[] = [];
        const flush = async (worker: number) => {
          const pushes = (deltas[worker] ?? []).map((delta, client) => ({
            target: 'platform:meta',
            clientId: `p${client}`,
            delta,
          }));
          await store.pushAndRead(pushes, [], now);
          for (const delta of deltas[worker] ?? []) delta.clear();
          sent.push(...(pending[worker] ?? []));
          pending[worker] = [];
        };
        for (const step of steps) {
          if (step.kind === 'advance') now += step.ms;
          else if (step.kind === 'flush') await flush(step.worker);
          else {
            deltas[step.worker]?.[step.client]?.record(
              now,
              now,
              !step.success,
              step.latency ?? Number.NaN,
              step.cost ?? Number.NaN,
            );
            pending[step.worker]?.push({ at: now, ...step });
          }
        }
        for (let w = 0; w < 3; w++) await flush(w);
        const reads = [0, 1, 2].map((client) => ({ target: 'platform:meta', clientId: `p${client}` }));
        // Read as the window slides over the whole history: every bucket's edge is crossed once.
        for (let later = now; later <= now + WINDOW_MS + BUCKET_MS; later += BUCKET_MS / 2) {
          const windows = await store.pushAndRead([], reads, later);
          expect(windows).toEqual([0, 1, 2].map((client) => bruteForce(sent, later, client)));
        }
      }),
      { numRuns: 40 },
    );
  });
});
