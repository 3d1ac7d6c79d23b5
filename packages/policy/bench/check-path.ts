/**
 * Benchmark of the check path: `isTripped` in steady state against the
 * machine's floor (an awaited call over eight nested-map look-ups), with
 * per-call latency percentiles, and the cold first check.
 *
 *   pnpm bench:check [--quick] [--json]
 */
import { migrate } from '@rtv/db';
import { createEmbeddedDb } from '@rtv/db/pglite';
import { createKillSwitchService } from '../src/index';
import type { CheckContext, KillSwitchService } from '../src/types';
import { latencyAsync, median, round, throughputAsync, throughputSync } from './measure';

const quick = process.argv.includes('--quick');
const asJson = process.argv.includes('--json');
const RUNS = quick ? 3 : 5;
const RUN_MS = quick ? 300 : 1500;
const LATENCY_SAMPLES = quick ? 50_000 : 500_000;

/** The floor of DESIGN.md: eight structural look-ups, nothing matching. */
function floorFunctions() {
  const maps = Array.from({ length: 8 }, () => new Map<string, Map<string, number>>());
  for (const map of maps) for (let i = 0; i < 100; i++) map.set(`k${i}`, new Map([[`v${i}`, i]]));
  const lookup = (client: string, action: string, platform: string): boolean => {
    for (let i = 0; i < 8; i++) {
      const inner = (maps[i] as Map<string, Map<string, number>>).get(i % 2 ? client : action);
      if (inner?.get(platform) !== undefined) return true;
    }
    return false;
  };
  return { sync: lookup, async: async (c: string, a: string, p: string) => lookup(c, a, p) };
}

async function seededService(): Promise<{ service: KillSwitchService; close: () => Promise<void> }> {
  const handle = await createEmbeddedDb();
  await migrate(handle.db);
  const service = createKillSwitchService({ db: handle.db, sweepIntervalMs: 0 });
  await service.ready();
  // A realistic spread of active switches for other clients and targets: checks must still miss.
  for (let i = 0; i < 50; i++) {
    const sw = await service.create({
      scope: 'client',
      clientId: `other_${i}`,
      targetType: 'platform',
      targetValue: 'meta',
      createdBy: 'bench',
    });
    await service.activate({ id: sw.id, reason: 'benchmark background switch', activatedBy: 'bench' });
  }
  const blocking = await service.create({
    scope: 'action',
    targetType: 'action',
    targetValue: 'trade',
    platform: 'exchange',
    createdBy: 'bench',
  });
  await service.activate({ id: blocking.id, reason: 'benchmark blocking switch', activatedBy: 'bench' });
  return { service, close: () => service.close().then(() => handle.close()) };
}

export interface CheckPathResult {
  floorSyncOpsPerSec: number;
  floorAsyncOpsPerSec: number;
  missOpsPerSec: number;
  hitOpsPerSec: number;
  missLatencyUs: { p50: number; p99: number; max: number };
  hitLatencyUs: { p50: number; p99: number; max: number };
  ratioToAsyncFloor: number;
  coldFirstCheckMs: number;
  activeSwitches: number;
}

export async function benchCheckPath(): Promise<CheckPathResult> {
  const floor = floorFunctions();
  const { service, close } = await seededService();
  const miss: CheckContext = { clientId: 'client_a', action: 'publish', platform: 'meta' };
  const hit: CheckContext = { clientId: 'client_a', action: 'trade', platform: 'exchange' };
  if ((await service.isTripped(miss)).tripped || !(await service.isTripped(hit)).tripped) {
    throw new Error('benchmark setup is wrong: the miss trips or the hit does not');
  }
  const floorSync: number[] = [];
  const floorAsync: number[] = [];
  const missRuns: number[] = [];
  const hitRuns: number[] = [];
  // Interleave the runs so drift of the machine hits every series alike.
  for (let run = 0; run < RUNS; run++) {
    floorSync.push(throughputSync(() => floor.sync('client_a', 'publish', 'meta'), RUN_MS));
    floorAsync.push(await throughputAsync(() => floor.async('client_a', 'publish', 'meta'), RUN_MS));
    missRuns.push(await throughputAsync(() => service.isTripped(miss), RUN_MS));
    hitRuns.push(await throughputAsync(() => service.isTripped(hit), RUN_MS));
  }
  const missLatency = await latencyAsync(() => service.isTripped(miss), LATENCY_SAMPLES);
  const hitLatency = await latencyAsync(() => service.isTripped(hit), LATENCY_SAMPLES);
  const activeSwitches = service.checkStats().activeByScope;
  await close();

  // Cold: a new instance on a database that already holds the state.
  const handle = await createEmbeddedDb();
  await migrate(handle.db);
  const seeded = createKillSwitchService({ db: handle.db, sweepIntervalMs: 0 });
  await seeded.ready();
  await seeded.close();
  const coldTimes: number[] = [];
  for (let i = 0; i < (quick ? 3 : 7); i++) {
    const t0 = performance.now();
    const cold = createKillSwitchService({ db: handle.db, sweepIntervalMs: 0 });
    await cold.isTripped(miss);
    coldTimes.push(performance.now() - t0);
    await cold.close();
  }
  await handle.close();

  const floorAsyncMedian = median(floorAsync);
  const missMedian = median(missRuns);
  return {
    floorSyncOpsPerSec: Math.round(median(floorSync)),
    floorAsyncOpsPerSec: Math.round(floorAsyncMedian),
    missOpsPerSec: Math.round(missMedian),
    hitOpsPerSec: Math.round(median(hitRuns)),
    missLatencyUs: {
      p50: round(missLatency.p50Us, 3),
      p99: round(missLatency.p99Us, 3),
      max: round(missLatency.maxUs, 1),
    },
    hitLatencyUs: { p50: round(hitLatency.p50Us, 3), p99: round(hitLatency.p99Us, 3), max: round(hitLatency.maxUs, 1) },
    ratioToAsyncFloor: round(floorAsyncMedian / missMedian, 2),
    coldFirstCheckMs: round(median(coldTimes), 2),
    activeSwitches: Object.values(activeSwitches).reduce((a, b) => a + b, 0),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchCheckPath();
  if (asJson) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    const m = (n: number) => `${(n / 1e6).toFixed(2)}M/s`;
    console.log(`check path (${result.activeSwitches} active switches, median of ${RUNS} runs of ${RUN_MS} ms)`);
    console.log(`  floor, sync 8 look-ups        ${m(result.floorSyncOpsPerSec)}`);
    console.log(`  floor, awaited 8 look-ups     ${m(result.floorAsyncOpsPerSec)}`);
    console.log(
      `  isTripped, nothing matches    ${m(result.missOpsPerSec)}  (floor / ours = ${result.ratioToAsyncFloor}x)`,
    );
    console.log(`  isTripped, a switch matches   ${m(result.hitOpsPerSec)}`);
    console.log(
      `  latency miss p50/p99/max      ${result.missLatencyUs.p50} / ${result.missLatencyUs.p99} / ${result.missLatencyUs.max} us`,
    );
    console.log(
      `  latency hit  p50/p99/max      ${result.hitLatencyUs.p50} / ${result.hitLatencyUs.p99} / ${result.hitLatencyUs.max} us`,
    );
    console.log(`  cold first check (PGlite)     ${result.coldFirstCheckMs} ms`);
  }
}
