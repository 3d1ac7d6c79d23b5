/**
 * Benchmark of the auto-trip hot path: `recordResult` throughput in local mode (steady keys, churning
 * clients, awaited calls) as the median of 5 runs, and the memory each tracked key costs.
 *
 *   pnpm tsx --tsconfig tsconfig.json packages/policy/bench/record-result.ts [--quick] [--json]
 *   node --expose-gc --import tsx packages/policy/bench/record-result.ts   (exact heap figures)
 */
import { createAutoTripMonitor } from '../src/auto-trip/auto-trip-monitor';
import type { AutoTripMonitorConfig } from '../src/auto-trip/config';
import type { KillSwitch } from '../src/types';
import { median, round, throughputAsync, throughputSync } from './measure';

const quick = process.argv.includes('--quick');
const asJson = process.argv.includes('--json');
const RUNS = 5;
const RUN_MS = quick ? 300 : 1_500;
const MEMORY_KEYS = quick ? 20_000 : 100_000;

/** Never asked in these runs (nothing crosses a threshold); answers like the real one if it were. */
const service = {
  async ensure(): Promise<KillSwitch> {
    throw new Error('the benchmark must not trip');
  },
  async activate(): Promise<never> {
    throw new Error('the benchmark must not trip');
  },
};

const config: AutoTripMonitorConfig = {
  windowMs: 60_000,
  checkIntervalMs: 10_000,
  thresholds: {
    'platform:meta': { errorRate: 0.5, minSamples: 10, latencyMultiplier: 50 },
    'action:publish': { errorRate: 0.5, minSamples: 10 },
  },
};

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** 1,000 clients x 2 targets, 10% failures, latencies on one target: every record evaluates its window. */
function steady(evaluateOn: 'record' | 'interval') {
  const monitor = createAutoTripMonitor({ killSwitchService: service, config: { ...config, evaluateOn } });
  const clients = ids('client_', 1_000);
  // Each client fails one call in ten, well under the 50% thresholds.
  const results = Array.from({ length: 10 }, (_, round) =>
    clients.flatMap((clientId, i) => [
      { target: 'platform:meta', clientId, success: round !== i % 10, latencyMs: 100 + (i % 7) },
      { target: 'action:publish', clientId, success: round !== (i + 3) % 10 },
    ]),
  ).flat();
  let i = 0;
  const n = results.length;
  return {
    monitor,
    op: () => {
      monitor.recordResult(results[i] as (typeof results)[number]);
      i = i + 1 === n ? 0 : i + 1;
    },
  };
}

/** Every record a client never seen (cap 10,000): insertion, validation and LRU eviction each time. */
function churn() {
  const monitor = createAutoTripMonitor({ killSwitchService: service, config: { ...config, maxTrackedKeys: 10_000 } });
  const clients = ids('new_', 2_000_000);
  let i = 0;
  return {
    monitor,
    op: () => {
      monitor.recordResult({ target: 'platform:meta', clientId: clients[i] as string, success: true });
      i = i + 1 === clients.length ? 0 : i + 1;
    },
  };
}

function runs(make: () => { op: () => void }): number {
  const rates: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const { op } = make();
    throughputSync(op, RUN_MS / 5); // warm-up
    rates.push(throughputSync(op, RUN_MS));
  }
  return median(rates);
}

async function runsAwaited(): Promise<number> {
  const rates: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const { op } = steady('record');
    const awaited = async () => op();
    await throughputAsync(awaited, RUN_MS / 5);
    rates.push(await throughputAsync(awaited, RUN_MS));
  }
  return median(rates);
}

const gc = (globalThis as { gc?: () => void }).gc;
function heapUsed(): number {
  if (gc) {
    gc();
    gc();
  }
  // Typed arrays over 64 bytes keep their buckets outside the V8 heap: count those too.
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Heap plus array-buffer delta per tracked key, client id strings allocated beforehand (they belong to the caller). */
function memoryPerKey(): { bytesPerKey: number; keys: number; exact: boolean } {
  const clients = ids('mem_', MEMORY_KEYS);
  const monitor = createAutoTripMonitor({
    killSwitchService: service,
    config: { ...config, maxTrackedKeys: MEMORY_KEYS },
  });
  const before = heapUsed();
  for (const clientId of clients)
    monitor.recordResult({ target: 'platform:meta', clientId, success: true, latencyMs: 5 });
  const after = heapUsed();
  const keys = monitor.trackedKeys();
  return { bytesPerKey: (after - before) / keys, keys, exact: gc !== undefined };
}

async function main() {
  const memory = memoryPerKey(); // first, on a quiet heap
  const rows = [
    { scenario: 'steady keys, evaluate on record', opsPerSec: runs(() => steady('record')) },
    { scenario: 'steady keys, evaluate on interval', opsPerSec: runs(() => steady('interval')) },
    { scenario: 'new client every record (cap 10k)', opsPerSec: runs(churn) },
    { scenario: 'steady keys, awaited call', opsPerSec: await runsAwaited() },
  ];
  const result = {
    benchmark: 'record-result',
    node: process.version,
    runs: RUNS,
    runMs: RUN_MS,
    targetOpsPerSec: 1_000_000,
    throughput: rows.map((r) => ({ ...r, opsPerSec: Math.round(r.opsPerSec) })),
    memory: { ...memory, bytesPerKey: Math.round(memory.bytesPerKey) },
  };
  if (asJson) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  console.log(`recordResult, local mode (median of ${RUNS} runs of ${RUN_MS} ms, node ${process.version})\n`);
  console.log(`${'scenario'.padEnd(38)}${'records/s'.padStart(14)}`);
  for (const row of rows) {
    console.log(`${row.scenario.padEnd(38)}${`${round(row.opsPerSec / 1e6, 2).toFixed(2)} M`.padStart(14)}`);
  }
  const note = memory.exact ? '' : ' (no global.gc: run with node --expose-gc for exact figures)';
  console.log(`\nmemory per tracked key: ${Math.round(memory.bytesPerKey)} bytes over ${memory.keys} keys${note}`);
}

await main();
