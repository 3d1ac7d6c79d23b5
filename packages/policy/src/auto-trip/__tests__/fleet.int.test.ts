/**
 * Fleet-wide mode on one real Redis: four workers each see a quarter of the failures and trip
 * exactly when one worker seeing all of them would; a dead Redis never reaches recordResult.
 */
import { silentLogger } from '@rtv/audit';
import { killSwitches } from '@rtv/db';
import { createTestRedis, uniqueKeyPrefix, waitFor } from '@rtv/testing';
import { eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AutoTripMonitor } from '../auto-trip-monitor';
import type { AutoTripMonitorConfig } from '../config';
import { type AutoTripHarness, createAutoTripHarness } from './int-harness';
import { readWindowHash } from './read-window-hash';

let h: AutoTripHarness;
const clients: Redis[] = [];
beforeAll(async () => {
  h = await createAutoTripHarness();
});
afterAll(async () => {
  await h?.close();
  for (const c of clients) c.disconnect();
});

const config: AutoTripMonitorConfig = {
  windowMs: 60_000,
  checkIntervalMs: 10_000,
  thresholds: { 'platform:meta': { errorRate: 0.5, minSamples: 20 } },
  aggregateThresholds: { 'platform:meta': { errorRate: 0.5, minSamples: 200 } },
};

/** Four workers: each its own Redis connection, one shared key prefix. */
function fleet(keyPrefix: string): AutoTripMonitor[] {
  return [0, 1, 2, 3].map(() => {
    const redis = createTestRedis();
    clients.push(redis);
    return h.monitor({ redis, keyPrefix, config });
  });
}

const rowsOf = (clientId: string) =>
  h.database.db.select().from(killSwitches).where(eq(killSwitches.clientId, clientId));

describe('fleet-wide auto-trip on Redis', () => {
  it('trips once, at the flush that brings the fleet over the threshold', async () => {
    const client = 'fleet_trip';
    const prefix = uniqueKeyPrefix();
    const workers = fleet(prefix);
    // 5 failures each: no worker alone reaches minSamples 20.
    for (const w of workers)
      for (let i = 0; i < 5; i++) w.recordResult({ target: 'platform:meta', success: false, clientId: client });
    for (const w of workers.slice(0, 3)) await w.flush();
    expect(await rowsOf(client)).toEqual([]); // 15 shared samples: not yet
    expect((await workers[0]?.getSharedStats('platform:meta', client))?.total).toBe(15);
    // The documented key layout (window-script.ts): one hash per (target, client) at <prefix>at:<target>:<client>,
    // a field per bucket index holding total, errors, latencySum, latencyCount, costSum, costCount as six
    // little-endian doubles, and `x`, the bucket at which its expiry was last set; the key expires by itself.
    const bucketIndex = String(Math.floor(h.clock.now() / 6_000));
    const key = `${prefix}at:platform:meta:${client}`;
    expect(await readWindowHash(h.redis, key)).toEqual({ [bucketIndex]: [15, 15, 0, 0, 0, 0], x: bucketIndex });
    expect(await h.redis.pttl(key)).toBeGreaterThan(60_000);

    await workers[3]?.flush(); // 20: the fleet's window is now over the threshold
    const rows = await rowsOf(client);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ isActive: true, scope: 'client', activatedBy: 'system:auto_trip' });
    expect(await h.activations(rows[0]?.id ?? '')).toHaveLength(1);
    expect((await h.activations(rows[0]?.id ?? ''))[0]?.metadata).toMatchObject({ samples: 20, errorRate: 1 });
    expect(await h.incidents.listIncidents({ clientId: client })).toHaveLength(1);
    expect((await h.service.isTripped({ clientId: client, action: 'publish', platform: 'meta' })).tripped).toBe(true);

    // More failures everywhere while it is tripped: idempotent, still one activation and one incident.
    for (const w of workers)
      for (let i = 0; i < 10; i++) w.recordResult({ target: 'platform:meta', success: false, clientId: client });
    await Promise.all(workers.map((w) => w.flush()));
    expect(await h.activations(rows[0]?.id ?? '')).toHaveLength(1);
    expect(await h.incidents.listIncidents({ clientId: client })).toHaveLength(1);
  });

  it('pushes on its own timer once started: a started fleet trips without flush()', async () => {
    const client = 'fleet_timer';
    const workers = fleet(uniqueKeyPrefix());
    for (const w of workers)
      for (let i = 0; i < 5; i++) w.recordResult({ target: 'platform:meta', success: false, clientId: client });
    for (const w of workers) w.start();
    const rows = await waitFor(
      async () => ((await rowsOf(client)).some((r) => r.isActive) ? rowsOf(client) : undefined),
      {
        what: 'the fleet to trip on its timers',
      },
    );
    expect(rows).toHaveLength(1);
    for (const w of workers) await w.close();
    expect(await h.activations(rows[0]?.id ?? '')).toHaveLength(1);
  });

  it('trips nothing when the fleet stays under the threshold, though one worker alone is over it', async () => {
    const client = 'fleet_under';
    const workers = fleet(uniqueKeyPrefix());
    // Worker 0 sees 20 failures (100% locally); the others see 20 successes each: 25% fleet-wide.
    for (let i = 0; i < 20; i++)
      workers[0]?.recordResult({ target: 'platform:meta', success: false, clientId: client });
    for (const w of workers.slice(1))
      for (let i = 0; i < 20; i++) w.recordResult({ target: 'platform:meta', success: true, clientId: client });
    for (const w of workers.slice(1)) await w.flush();
    await workers[0]?.flush();
    expect((await workers[0]?.getSharedStats('platform:meta', client))?.errorRate).toBe(0.25);
    expect(await rowsOf(client)).toEqual([]);
    expect(h.errors).toEqual([]);
  });

  it('shares the all-clients window and trips the global switch from it', async () => {
    const workers = fleet(uniqueKeyPrefix());
    // 50 clients x 4 workers x 1 failure: every client under minSamples, the target over 200.
    for (let c = 0; c < 50; c++) {
      for (const w of workers) w.recordResult({ target: 'platform:meta', success: false, clientId: `crowd_${c}` });
    }
    for (const w of workers) await w.flush();
    const global = (await h.service.listActive({ scope: 'platform' })).filter((s) => s.targetValue === 'meta');
    expect(global.map((s) => s.clientId)).toEqual([null]);
    expect(await h.activations(global[0]?.id ?? '')).toHaveLength(1);
    expect(await h.database.db.select().from(killSwitches).where(eq(killSwitches.clientId, 'crowd_0'))).toEqual([]);
  });

  it('never throws a dead Redis into recordResult: reports it and trips on local counts', async () => {
    const client = 'fleet_redis_down';
    // Nothing listens on port 1: every command fails fast.
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    dead.on('error', () => {});
    clients.push(dead);
    const errors: unknown[] = [];
    const monitor = h.monitor({
      redis: dead,
      keyPrefix: uniqueKeyPrefix(),
      config,
      logger: { ...silentLogger, error: (fields) => errors.push(fields) },
    });
    for (let i = 0; i < 20; i++) monitor.recordResult({ target: 'platform:meta', success: false, clientId: client });
    await monitor.flush();
    expect(errors.length).toBeGreaterThan(0);
    expect(monitor.counters().redisFailures).toBeGreaterThan(0);
    expect(monitor.getStats('platform:meta', client).total).toBe(20);
    const rows = await rowsOf(client);
    expect(rows.map((r) => r.isActive)).toEqual([true]);
  });
});
