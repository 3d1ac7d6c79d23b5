/**
 * `isTripped` in steady state, side by side on the same machine in one run:
 * ours (a service on the real PostgreSQL and Redis, answering from its
 * snapshot), the specification's reference algorithm, and two feature-flag
 * SDKs evaluating locally; plus the machine's floor (eight nested-map look-ups).
 * Series are interleaved round by round and their medians compared.
 */
import { createAuditEmitter } from '@rtv/audit';
import { type CheckContext, type KillSwitchService, createKillSwitchService } from '@rtv/policy';
import { createReferenceKillSwitch } from '../baseline/reference-kill-switch';
import type { BenchEnvironment } from '../environment';
import {
  type LatencySummary,
  concurrentThroughput,
  latency,
  median,
  medianLatency,
  throughput,
  throughputSync,
} from '../measure-ops';
import { createOpenFeaturePeer } from '../peers/openfeature-peer';
import { type SwitchTarget, flagStates } from '../peers/switch-flags';
import { type FlagPeer, createUnleashPeer } from '../peers/unleash-peer';
import type { BenchSettings } from '../settings';

export const MISS: CheckContext = { clientId: 'client_a', action: 'publish', platform: 'meta' };
export const HIT: CheckContext = { clientId: 'client_a', action: 'trade', platform: 'exchange' };
const BACKGROUND_SWITCHES = 50;

export interface SubjectResult {
  name: string;
  missOpsPerSec: number;
  hitOpsPerSec: number;
  missLatencyUs: LatencySummary;
  hitLatencyUs: LatencySummary;
}

export interface SteadyStateResult {
  activeSwitches: number;
  subjects: {
    floor: { syncOpsPerSec: number; awaitedOpsPerSec: number };
    ours: SubjectResult;
    baseline: SubjectResult;
    baselineConcurrent: { concurrency: number; missOpsPerSec: number; hitOpsPerSec: number };
    unleash: SubjectResult;
    openFeature: SubjectResult;
  };
}

/** The state every subject answers from: 50 client switches of other clients, one blocking action switch. */
export async function seedSwitches(writer: KillSwitchService): Promise<SwitchTarget[]> {
  const active: SwitchTarget[] = [];
  for (let i = 0; i < BACKGROUND_SWITCHES; i++) {
    const sw = await writer.create({
      scope: 'client',
      clientId: `other_${i}`,
      targetType: 'platform',
      targetValue: 'meta',
      createdBy: 'bench',
    });
    await writer.activate({ id: sw.id, reason: 'benchmark background switch', activatedBy: 'bench' });
    active.push({ clientId: `other_${i}`, targetType: 'platform', targetValue: 'meta', platform: null });
  }
  const blocking = await writer.create({
    scope: 'action',
    targetType: 'action',
    targetValue: 'trade',
    platform: 'exchange',
    createdBy: 'bench',
  });
  await writer.activate({ id: blocking.id, reason: 'benchmark blocking switch', activatedBy: 'bench' });
  active.push({ clientId: null, targetType: 'action', targetValue: 'trade', platform: 'exchange' });
  return active;
}

function floorLookup() {
  const maps = Array.from({ length: 8 }, () => new Map<string, Map<string, number>>());
  for (const map of maps) for (let i = 0; i < 100; i++) map.set(`k${i}`, new Map([[`v${i}`, i]]));
  return (client: string, action: string, platform: string): boolean => {
    for (let i = 0; i < 8; i++) {
      const inner = (maps[i] as Map<string, Map<string, number>>).get(i % 2 ? client : action);
      if (inner?.get(platform) !== undefined) return true;
    }
    return false;
  };
}

interface Subject {
  name: string;
  check(ctx: CheckContext): Promise<boolean>;
  samples: number;
  maxMs: number;
}

export async function benchSteadyState(
  env: BenchEnvironment,
  settings: BenchSettings,
  active: SwitchTarget[],
): Promise<SteadyStateResult> {
  const audit = createAuditEmitter({ db: env.handle.db });
  const ours: KillSwitchService = createKillSwitchService({
    db: env.handle.db,
    redis: env.redis,
    audit,
    keyPrefix: env.keyPrefix,
    sweepIntervalMs: 0,
  });
  await ours.ready();
  const reference = createReferenceKillSwitch({ db: env.handle.db, redis: env.redis, keyPrefix: env.keyPrefix });
  const states = flagStates(active, [MISS, HIT]);
  const peers: FlagPeer[] = [await createUnleashPeer(states), await createOpenFeaturePeer(states)];
  const [unleash, openFeature] = peers as [FlagPeer, FlagPeer];

  const subjects: Record<'ours' | 'baseline' | 'unleash' | 'openFeature', Subject> = {
    ours: {
      name: 'ours (createKillSwitchService, PostgreSQL + Redis)',
      check: async (ctx) => (await ours.isTripped(ctx)).tripped,
      samples: settings.latencySamples,
      maxMs: settings.latencyMaxMs,
    },
    baseline: {
      name: "specification's reference (Redis GETs + PostgreSQL on a miss)",
      check: async (ctx) => (await reference.isTripped(ctx)).tripped,
      samples: settings.baselineLatencySamples,
      maxMs: settings.baselineLatencyMs,
    },
    unleash: {
      name: unleash.name,
      check: (ctx) => unleash.isTripped(ctx),
      samples: settings.latencySamples,
      maxMs: settings.latencyMaxMs,
    },
    openFeature: {
      name: openFeature.name,
      check: (ctx) => openFeature.isTripped(ctx),
      samples: settings.latencySamples,
      maxMs: settings.latencyMaxMs,
    },
  };
  for (const [key, subject] of Object.entries(subjects)) {
    if ((await subject.check(MISS)) || !(await subject.check(HIT))) {
      throw new Error(`benchmark setup is wrong for ${key}: the miss trips or the hit does not`);
    }
  }

  const floor = floorLookup();
  const floorAsync = async (c: string, a: string, p: string) => floor(c, a, p);
  const series = {
    floorSync: [] as number[],
    floorAwaited: [] as number[],
    concurrentMiss: [] as number[],
    concurrentHit: [] as number[],
  };
  const perSubject = Object.fromEntries(
    Object.keys(subjects).map((k) => [
      k,
      { miss: [] as number[], hit: [] as number[], missLat: [] as LatencySummary[], hitLat: [] as LatencySummary[] },
    ]),
  ) as Record<
    keyof typeof subjects,
    { miss: number[]; hit: number[]; missLat: LatencySummary[]; hitLat: LatencySummary[] }
  >;

  const order = Object.keys(subjects) as Array<keyof typeof subjects>;
  for (let round = 0; round < settings.rounds; round++) {
    series.floorSync.push(throughputSync(() => floor('client_a', 'publish', 'meta'), settings.runMs));
    series.floorAwaited.push(await throughput(() => floorAsync('client_a', 'publish', 'meta'), settings.runMs));
    // Rotate the order each round so drift of the machine hits every subject alike.
    const rotated = [...order.slice(round % order.length), ...order.slice(0, round % order.length)];
    for (const key of rotated) {
      const subject = subjects[key];
      const out = perSubject[key];
      out.miss.push(await throughput(() => subject.check(MISS), settings.runMs));
      out.hit.push(await throughput(() => subject.check(HIT), settings.runMs));
      out.missLat.push(await latency(() => subject.check(MISS), subject.samples, subject.maxMs));
      out.hitLat.push(await latency(() => subject.check(HIT), subject.samples, subject.maxMs));
    }
    series.concurrentMiss.push(
      await concurrentThroughput(() => reference.isTripped(MISS), settings.baselineConcurrency, settings.runMs),
    );
    series.concurrentHit.push(
      await concurrentThroughput(() => reference.isTripped(HIT), settings.baselineConcurrency, settings.runMs),
    );
  }

  const result = (key: keyof typeof subjects): SubjectResult => ({
    name: subjects[key].name,
    missOpsPerSec: median(perSubject[key].miss),
    hitOpsPerSec: median(perSubject[key].hit),
    missLatencyUs: medianLatency(perSubject[key].missLat),
    hitLatencyUs: medianLatency(perSubject[key].hitLat),
  });
  const activeSwitches = Object.values(ours.checkStats().activeByScope).reduce((a, b) => a + b, 0);
  for (const peer of peers) await peer.close();
  await ours.close();
  await audit.close();
  return {
    activeSwitches,
    subjects: {
      floor: { syncOpsPerSec: median(series.floorSync), awaitedOpsPerSec: median(series.floorAwaited) },
      ours: result('ours'),
      baseline: result('baseline'),
      baselineConcurrent: {
        concurrency: settings.baselineConcurrency,
        missOpsPerSec: median(series.concurrentMiss),
        hitOpsPerSec: median(series.concurrentHit),
      },
      unleash: result('unleash'),
      openFeature: result('openFeature'),
    },
  };
}
