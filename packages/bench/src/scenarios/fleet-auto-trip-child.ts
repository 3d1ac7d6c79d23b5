/**
 * One worker of the fleet auto-trip benchmark: an auto-trip monitor in fleet mode (Redis-shared windows,
 * default flush settings) recording outcomes round robin over the keys as fast as it can, yielding to the
 * event loop between batches so its flushes run, until told to stop. Reports its records and flushes.
 */
import { silentLogger } from '@rtv/audit';
import { createAutoTripMonitor } from '@rtv/policy';
import { Redis } from 'ioredis';
import { neverTrips } from './auto-trip';

export type FleetParentMessage = { type: 'go'; runMs: number };
export type FleetChildMessage =
  | { type: 'ready' }
  | { type: 'done'; records: number; ms: number; redisFlushes: number; redisFailures: number };

const [redisUrl, keyPrefix, keysArg] = process.argv.slice(2) as [string, string, string];
const keys = Number(keysArg);
const send = (message: FleetChildMessage) => process.send?.(message);
const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
const monitor = createAutoTripMonitor({
  killSwitchService: neverTrips,
  redis,
  keyPrefix,
  logger: {
    ...silentLogger,
    error: (fields, message) => console.error('[fleet worker]', message, fields),
  },
  // Thresholds the run never reaches, so every flush also reads back every dirty key's window.
  config: {
    windowMs: 60_000,
    checkIntervalMs: 10_000,
    thresholds: {
      'platform:meta': { errorRate: 0.9, minSamples: 100 },
      'action:publish': { errorRate: 0.9, minSamples: 100 },
    },
    aggregateThresholds: { 'platform:meta': { errorRate: 0.9, minSamples: 100 } },
  },
});
// Half the keys on each target; each key fails one call in ten (the failing pass moves with every
// sweep over the keys), well under the thresholds.
const results = Array.from({ length: 10 }, (_, pass) =>
  Array.from({ length: keys }, (_, i) => ({
    target: i % 2 === 0 ? 'platform:meta' : 'action:publish',
    clientId: `client_${i >> 1}`,
    success: (i + pass) % 10 !== 0,
  })),
).flat();
const cycle = results.length;

process.on('message', async (message: FleetParentMessage) => {
  if (message.type !== 'go') return;
  monitor.start();
  let records = 0;
  let i = 0;
  const start = performance.now();
  const deadline = start + message.runMs;
  while (performance.now() < deadline) {
    for (let b = 0; b < 500; b++) {
      monitor.recordResult(results[i] as (typeof results)[number]);
      i = i + 1 === cycle ? 0 : i + 1;
    }
    records += 500;
    await new Promise((resolve) => setImmediate(resolve));
  }
  await monitor.close(); // the last flush is part of the work
  const ms = performance.now() - start;
  const counters = monitor.counters();
  send({ type: 'done', records, ms, redisFlushes: counters.redisFlushes, redisFailures: counters.redisFailures });
  redis.disconnect();
  process.exit(0);
});
await redis.ping();
send({ type: 'ready' });
