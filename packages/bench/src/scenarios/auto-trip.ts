/**
 * The auto-trip monitor's hot call, `recordResult` (synchronous, counted in
 * bucketed rings), and the memory a tracked (target, client) window costs,
 * measured in a child process with `--expose-gc` so garbage does not count.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type KillSwitchService, createAutoTripMonitor } from '@rtv/policy';
import { median, throughputSync } from '../measure-ops';
import type { BenchSettings } from '../settings';

export interface AutoTripResult {
  recordResultOpsPerSec: number;
  trackedClients: number;
  memory: {
    measuredClients: number;
    bytesPerClient: number;
    mbPerMillionClients: number;
    maxTrackedKeysDefault: number;
  };
}

/** Never called: the benchmark's outcomes stay under every threshold. */
export const neverTrips: Pick<KillSwitchService, 'ensure' | 'activate'> = {
  ensure: () => Promise.reject(new Error('the benchmark must not trip')),
  activate: () => Promise.reject(new Error('the benchmark must not trip')),
};

export function benchRecordResult(settings: BenchSettings): number {
  const monitor = createAutoTripMonitor({
    killSwitchService: neverTrips,
    onError: () => {},
    config: {
      windowMs: 60_000,
      checkIntervalMs: 1_000,
      maxTrackedKeys: settings.recordResultClients * 2,
      thresholds: { 'platform:meta': { errorRate: 0.5, minSamples: 100 } },
    },
  });
  const clients = Array.from({ length: settings.recordResultClients }, (_, i) => `client_${i}`);
  const results = clients.map((clientId, i) => ({ target: 'platform:meta', clientId, success: i % 100 !== 0 }));
  let i = 0;
  const record = () => {
    monitor.recordResult(results[i] as (typeof results)[number]);
    i = i + 1 === results.length ? 0 : i + 1;
  };
  const runs: number[] = [];
  for (let round = 0; round < settings.rounds; round++) runs.push(throughputSync(record, settings.runMs));
  if (monitor.counters().trips !== 0) throw new Error('the recordResult benchmark tripped a switch');
  monitor.stop();
  return median(runs);
}

/** Runs memory-child.ts with --expose-gc and parses its one JSON line. */
export async function benchMemory(settings: BenchSettings): Promise<AutoTripResult['memory']> {
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      '--max-old-space-size=8192',
      '--import',
      'tsx',
      fileURLToPath(new URL('./memory-child.ts', import.meta.url)),
      String(settings.memoryClients),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: process.env },
  );
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`memory child exited with ${code}`);
  const parsed = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { clients: number; heapBytes: number };
  const bytesPerClient = parsed.heapBytes / parsed.clients;
  return {
    measuredClients: parsed.clients,
    bytesPerClient: Math.round(bytesPerClient),
    mbPerMillionClients: Math.round((bytesPerClient * 1e6) / 1024 ** 2),
    maxTrackedKeysDefault: 10_000,
  };
}
