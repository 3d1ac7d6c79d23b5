/**
 * The judged check benchmark (issue 14): on the realistic snapshot, the subjects (awaited `isTripped`,
 * synchronous `check` when the service has it, unleash-client and OpenFeature) interleaved round by round
 * with the machine's floors measured beside them in the same process (the same switches in eight nested
 * Maps, awaited and synchronous). Every round is kept with the load average around it; ratios are taken
 * within a round, then their median and range reported.
 */
import { loadavg } from 'node:os';
import { createAuditEmitter } from '@rtv/audit';
import { type CheckContext, type KillSwitchService, createKillSwitchService } from '@rtv/policy';
import type { BenchEnvironment } from '../environment';
import { type LatencySummary, latency, latencySync, median, throughput, throughputSync } from '../measure-ops';
import { createOpenFeaturePeer } from '../peers/openfeature-peer';
import { flagStates } from '../peers/switch-flags';
import { type FlagPeer, createUnleashPeer } from '../peers/unleash-peer';
import type { BenchSettings } from '../settings';
import { createCheckFloor } from './check-floor';
import type { RealisticSnapshot } from './realistic-snapshot';

/** The synchronous check the lead is adding; the bench uses it only when the service has it. */
type SyncCheck = (ctx: CheckContext) => { tripped: boolean };

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export const spread = (values: number[]): Spread => ({
  median: median(values),
  min: values.length ? Math.min(...values) : Number.NaN,
  max: values.length ? Math.max(...values) : Number.NaN,
});

export interface CheckPathRound {
  round: number;
  loadBefore: number[];
  loadAfter: number[];
  opsPerSec: Record<string, number>;
  latencyUs: Record<string, LatencySummary>;
  isTrippedOverAsyncFloor: number;
  checkOverSyncFloor: number | null;
}

export interface CheckPathResult {
  activeSwitches: number;
  perLevel: number[];
  clients: number;
  contexts: number;
  trippedContexts: number;
  checkAvailable: boolean;
  subjects: Record<string, string>;
  rounds: CheckPathRound[];
  opsPerSec: Record<string, Spread>;
  p50Us: Record<string, Spread>;
  p99Us: Record<string, Spread>;
  isTrippedOverAsyncFloor: Spread;
  checkOverSyncFloor: Spread | null;
}

const load = () => loadavg().map((n) => Math.round(n * 100) / 100);

export async function benchCheckPath(
  env: BenchEnvironment,
  settings: BenchSettings,
  snapshot: RealisticSnapshot,
): Promise<CheckPathResult> {
  const audit = createAuditEmitter({ db: env.handle.db });
  const service: KillSwitchService = createKillSwitchService({
    db: env.handle.db,
    redis: env.redis,
    audit,
    keyPrefix: env.keyPrefix,
    sweepIntervalMs: 0,
  });
  await service.ready();
  const maybeCheck = (service as unknown as { check?: unknown }).check;
  const check = typeof maybeCheck === 'function' ? (maybeCheck.bind(service) as SyncCheck) : undefined;

  const { contexts, expected } = snapshot;
  const mask = contexts.length - 1;
  if ((contexts.length & mask) !== 0) throw new Error('the context count must be a power of two');
  const floor = createCheckFloor(snapshot.targets);
  const floorAsync = async (ctx: CheckContext) => floor(ctx);
  const states = flagStates(snapshot.targets, contexts);
  const peers: FlagPeer[] = [await createUnleashPeer(states), await createOpenFeaturePeer(states)];
  const [unleash, openFeature] = peers as [FlagPeer, FlagPeer];

  // Every subject must give the reference's answer on every context, or its figure means nothing.
  for (let i = 0; i < contexts.length; i++) {
    const ctx = contexts[i] as CheckContext;
    const want = expected[i] as boolean;
    const answers: Array<[string, boolean]> = [
      ['isTripped', (await service.isTripped(ctx)).tripped],
      ['floor', floor(ctx).tripped],
      ['unleash', await unleash.isTripped(ctx)],
    ];
    if (check) answers.push(['check', check(ctx).tripped]);
    if (i < 512) answers.push(['openFeature', await openFeature.isTripped(ctx)]);
    for (const [name, got] of answers) {
      if (got !== want) throw new Error(`benchmark setup is wrong: ${name} answers ${got} for ${JSON.stringify(ctx)}`);
    }
  }

  // One rotating cursor per subject: each call takes the next pre-built context.
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let e = 0;
  let f = 0;
  const asyncSubjects: Record<string, () => Promise<unknown>> = {
    asyncFloor: () => floorAsync(contexts[a++ & mask] as CheckContext),
    isTripped: () => service.isTripped(contexts[b++ & mask] as CheckContext),
    unleash: () => unleash.isTripped(contexts[e++ & mask] as CheckContext),
    openFeature: () => openFeature.isTripped(contexts[f++ & mask] as CheckContext),
  };
  const syncSubjects: Record<string, () => unknown> = {
    syncFloor: () => floor(contexts[c++ & mask] as CheckContext),
    ...(check ? { check: () => check(contexts[d++ & mask] as CheckContext) } : {}),
  };
  const timedLatency = new Set(['asyncFloor', 'isTripped', 'syncFloor', 'check']);

  const rounds: CheckPathRound[] = [];
  const order = [...Object.keys(asyncSubjects), ...Object.keys(syncSubjects)];
  for (let round = 0; round < settings.rounds; round++) {
    const loadBefore = load();
    const opsPerSec: Record<string, number> = {};
    const latencyUs: Record<string, LatencySummary> = {};
    // Rotate the order each round so the machine's drift falls on every subject alike.
    const rotated = [...order.slice(round % order.length), ...order.slice(0, round % order.length)];
    for (const name of rotated) {
      const asyncOp = asyncSubjects[name];
      const syncOp = syncSubjects[name];
      if (asyncOp) opsPerSec[name] = await throughput(asyncOp, settings.runMs);
      else if (syncOp) opsPerSec[name] = throughputSync(syncOp, settings.runMs);
      if (timedLatency.has(name)) {
        latencyUs[name] = asyncOp
          ? await latency(asyncOp, settings.latencySamples, settings.latencyMaxMs)
          : latencySync(syncOp as () => unknown, settings.latencySamples, settings.latencyMaxMs);
      }
    }
    rounds.push({
      round,
      loadBefore,
      loadAfter: load(),
      opsPerSec,
      latencyUs,
      isTrippedOverAsyncFloor: (opsPerSec.isTripped as number) / (opsPerSec.asyncFloor as number),
      checkOverSyncFloor: check ? (opsPerSec.check as number) / (opsPerSec.syncFloor as number) : null,
    });
  }

  for (const peer of peers) await peer.close();
  await service.close();
  await audit.close();
  const names = order;
  const pick = (fn: (r: CheckPathRound) => number | undefined) =>
    rounds.map(fn).filter((v): v is number => v !== undefined);
  return {
    activeSwitches: snapshot.targets.length,
    perLevel: snapshot.perLevel,
    clients: snapshot.shape.clients,
    contexts: contexts.length,
    trippedContexts: snapshot.tripped,
    checkAvailable: check !== undefined,
    subjects: {
      asyncFloor: 'floor: 8 nested-Map look-ups in an async function, awaited',
      syncFloor: 'floor: the same, synchronous',
      isTripped: 'ours: await service.isTripped(ctx)',
      check: check ? 'ours: service.check(ctx), synchronous' : 'ours: service.check(ctx): not available',
      unleash: `${unleash.name}, isEnabled x8 in priority order`,
      openFeature: `${openFeature.name}, getBooleanValue x8 in priority order`,
    },
    rounds,
    opsPerSec: Object.fromEntries(names.map((n) => [n, spread(pick((r) => r.opsPerSec[n]))])),
    p50Us: Object.fromEntries(
      [...timedLatency].filter((n) => names.includes(n)).map((n) => [n, spread(pick((r) => r.latencyUs[n]?.p50))]),
    ),
    p99Us: Object.fromEntries(
      [...timedLatency].filter((n) => names.includes(n)).map((n) => [n, spread(pick((r) => r.latencyUs[n]?.p99))]),
    ),
    isTrippedOverAsyncFloor: spread(rounds.map((r) => r.isTrippedOverAsyncFloor)),
    checkOverSyncFloor: check ? spread(pick((r) => r.checkOverSyncFloor ?? undefined)) : null,
  };
}
