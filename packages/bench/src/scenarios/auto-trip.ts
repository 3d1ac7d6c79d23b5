/**
 * The auto-trip monitor's hot call, `recordResult` (the monitor's own
 * benchmark, run as a child), and the memory a tracked (target, client)
 * window costs at a million clients, measured in a child process with
 * `--expose-gc` so garbage does not count.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { KillSwitchService } from '@rtv/policy';
import type { BenchSettings } from '../settings';

/** What packages/policy/bench/record-result.ts --json prints. */
export interface RecordResultFigures {
  runs: number;
  runMs: number;
  targetOpsPerSec: number;
  throughput: Array<{ scenario: string; opsPerSec: number }>;
  memory: { bytesPerKey: number; keys: number; exact: boolean };
}

export interface AutoTripResult {
  recordResult: RecordResultFigures;
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

/**
 * Runs the auto-trip engineer's benchmark (packages/policy/bench/record-result.ts --json,
 * with --expose-gc) in a child process and returns its figures.
 */
export async function benchRecordResult(settings: BenchSettings): Promise<RecordResultFigures> {
  const script = fileURLToPath(new URL('../../../policy/bench/record-result.ts', import.meta.url));
  const args = ['--expose-gc', '--import', 'tsx', script, '--json', ...(settings.smoke ? ['--quick'] : [])];
  const out = await runChild(args);
  return JSON.parse(out) as RecordResultFigures;
}

async function runChild(args: string[]): Promise<string> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`${args.join(' ')} exited with ${code}`);
  return out;
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
