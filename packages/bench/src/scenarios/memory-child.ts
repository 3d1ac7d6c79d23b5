/**
 * Child of the memory benchmark (run with --expose-gc): tracks N clients on
 * one target in an auto-trip monitor and prints the heap they hold.
 */
import { createAutoTripMonitor } from '@rtv/policy';
import { neverTrips } from './auto-trip';

const clients = Number(process.argv[2] ?? 10_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

// Typed arrays keep their buckets outside the V8 heap: count array buffers too.
const settle = () => {
  for (let i = 0; i < 3; i++) gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
};
// The ids are the callers' strings: allocated before the first reading, so only what the monitor adds counts.
const ids = Array.from({ length: clients }, (_, i) => `client_${i}`);
const monitor = createAutoTripMonitor({
  killSwitchService: neverTrips,
  config: {
    windowMs: 60_000,
    checkIntervalMs: 1_000,
    maxTrackedKeys: clients,
    thresholds: { 'platform:meta': { errorRate: 0.5, minSamples: 100 } },
  },
});
monitor.recordResult({ target: 'platform:meta', clientId: 'warm_up', success: true });
const before = settle();
for (let i = 0; i < clients; i++)
  monitor.recordResult({ target: 'platform:meta', clientId: `client_${i}`, success: true });
const after = settle();
if (monitor.trackedKeys() < clients) throw new Error(`only ${monitor.trackedKeys()} of ${clients} keys are tracked`);
monitor.stop();
console.log(JSON.stringify({ clients: ids.length, heapBytes: after - before }));
