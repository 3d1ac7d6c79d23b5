/**
 * Fleet auto-trip throughput: records/s across worker processes sharing their windows through Redis, and
 * Redis commands per record from the server's INFO commandstats deltas (every command the server ran,
 * including those a script runs, and including any other user of a shared server), beside the round
 * trips the workers counted themselves (one per flush).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import type { BenchEnvironment } from '../environment';
import type { BenchSettings } from '../settings';
import type { FleetChildMessage, FleetParentMessage } from './fleet-auto-trip-child';

export interface FleetAutoTripRound {
  round: number;
  loadBefore: number[];
  loadAfter: number[];
  records: number;
  recordsPerSec: number;
  flushes: number;
  redisFailures: number;
  /** Commands the server ran during the run (all of INFO commandstats). */
  serverCommands: number;
  /** EVALSHA and EVAL calls: the commands clients sent for the windows. */
  scriptCalls: number;
}

export interface FleetAutoTripResult {
  workers: number;
  keys: number;
  runMs: number;
  rounds: FleetAutoTripRound[];
  recordsPerSec: number;
  /** Round trips (flushes) per record, counted by the workers. */
  roundTripsPerRecord: number;
  /** Every command the server ran per record (commandstats; scripts' inner commands included). */
  serverCommandsPerRecord: number;
}

/** Calls per command from INFO commandstats. */
export async function commandStats(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1] as string, Number(match[2]));
  return calls;
}

const load = () => loadavg().map((v) => Math.round(v * 100) / 100);
const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

export async function benchFleetAutoTrip(
  env: BenchEnvironment,
  settings: BenchSettings,
  rounds = 3,
): Promise<FleetAutoTripResult> {
  const script = fileURLToPath(new URL('./fleet-auto-trip-child.ts', import.meta.url));
  const out: FleetAutoTripRound[] = [];
  for (let round = 0; round < rounds; round++) {
    const keyPrefix = `${env.keyPrefix}fleet${round}:`;
    const done: Array<Extract<FleetChildMessage, { type: 'done' }>> = [];
    let ready = 0;
    const children: ChildProcess[] = [];
    for (let w = 0; w < settings.fleetWorkers; w++) {
      const child = fork(script, [env.redisUrl, keyPrefix, String(settings.fleetKeys)], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      child.on('message', (m: FleetChildMessage) => {
        if (m.type === 'ready') ready++;
        else done.push(m);
      });
      children.push(child);
    }
    const startBy = Date.now() + 60_000;
    while (ready < children.length) {
      if (Date.now() > startBy) throw new Error('fleet workers did not start within 60 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    const loadBefore = load();
    const before = await commandStats(env.redis);
    for (const child of children) child.send({ type: 'go', runMs: settings.fleetRunMs } satisfies FleetParentMessage);
    const endBy = Date.now() + settings.fleetRunMs + 60_000;
    while (done.length < children.length) {
      if (Date.now() > endBy) throw new Error('fleet workers did not finish');
      await new Promise((r) => setTimeout(r, 20));
    }
    const after = await commandStats(env.redis);
    const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
    const records = done.reduce((a, d) => a + d.records, 0);
    const ms = Math.max(...done.map((d) => d.ms));
    out.push({
      round,
      loadBefore,
      loadAfter: load(),
      records,
      recordsPerSec: (records / ms) * 1000,
      flushes: done.reduce((a, d) => a + d.redisFlushes, 0),
      redisFailures: done.reduce((a, d) => a + d.redisFailures, 0),
      // Minus the one INFO that read `after`.
      serverCommands: total(after) - total(before) - 1,
      scriptCalls: delta('evalsha') + delta('eval'),
    });
    await Promise.all(
      children.map(
        (c) => new Promise<void>((resolve) => (c.exitCode !== null ? resolve() : c.on('exit', () => resolve()))),
      ),
    );
  }
  const sum = (f: (r: FleetAutoTripRound) => number) => out.reduce((a, r) => a + f(r), 0);
  const sorted = [...out].sort((a, b) => a.recordsPerSec - b.recordsPerSec);
  return {
    workers: settings.fleetWorkers,
    keys: settings.fleetKeys,
    runMs: settings.fleetRunMs,
    rounds: out,
    recordsPerSec: sorted[Math.floor(sorted.length / 2)]?.recordsPerSec ?? Number.NaN,
    roundTripsPerRecord: sum((r) => r.flushes) / sum((r) => r.records),
    serverCommandsPerRecord: sum((r) => r.serverCommands) / sum((r) => r.records),
  };
}
