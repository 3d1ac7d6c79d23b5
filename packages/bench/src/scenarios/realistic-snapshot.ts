/**
 * The judged check scenario (issue 14): 1,000 active switches over the priority levels, 10,000 clients,
 * 8,192 pre-built contexts that rotate, a quarter of them blocked. Generated from a fixed seed, so every
 * run measures the same state; created through the real service on PostgreSQL.
 */
import type { CheckContext, KillSwitchService } from '@rtv/policy';
import type { SwitchTarget } from '../peers/switch-flags';

export interface SnapshotShape {
  switches: number;
  clients: number;
  contexts: number;
  /** Share of contexts built to be blocked (the rest are drawn until nothing blocks them). */
  trippedShare: number;
}

export const FULL_SHAPE: SnapshotShape = { switches: 1_000, clients: 10_000, contexts: 8_192, trippedShare: 0.25 };
export const SMOKE_SHAPE: SnapshotShape = { switches: 100, clients: 1_000, contexts: 512, trippedShare: 0.25 };

const PLATFORMS = ['meta', 'x', 'tiktok', 'linkedin', 'youtube', 'reddit', 'pinterest', 'threads', 'email', 'sms'];
const ACTIONS = Array.from({ length: 40 }, (_, i) => `action_${i}`);

/**
 * Active switches per priority level, as shares of the total. Level 1 (global, all) holds none: an active
 * global stop blocks every check, which no quarter-tripping fleet has. Its look-up still runs on every check.
 */
const LEVEL_SHARES: Array<{ level: number; share: number }> = [
  { level: 2, share: 0.1 }, // client, all
  { level: 3, share: 0.002 }, // global platform (2 of 10 platforms stopped)
  { level: 4, share: 0.3 }, // client platform
  { level: 5, share: 0.006 }, // global action
  { level: 6, share: 0.3 }, // client action
  { level: 7, share: 0.02 }, // global action narrowed by platform
  { level: 8, share: 0.272 }, // client action narrowed by platform
];

export interface RealisticSnapshot {
  shape: SnapshotShape;
  targets: SwitchTarget[];
  /** Active switches per level 1..8 (index 0 unused). */
  perLevel: number[];
  contexts: CheckContext[];
  /** Whether each context is blocked, by the brute-force reference. */
  expected: boolean[];
  tripped: number;
}

/** Mulberry32: small, seedable, good enough to spread a benchmark's data. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const levelOf = (t: SwitchTarget): number => {
  const client = t.clientId === null ? 0 : 1;
  if (t.targetType === 'all') return 1 + client;
  if (t.targetType === 'platform') return 3 + client;
  return (t.platform === null ? 5 : 7) + client;
};

/** Whether a switch target blocks a context (DESIGN.md's match rules); the reference the bench checks against. */
export function blocks(t: SwitchTarget, ctx: CheckContext): boolean {
  if (t.clientId !== null && t.clientId !== ctx.clientId) return false;
  if (t.targetType === 'all') return true;
  if (t.targetType === 'platform') return ctx.platform === t.targetValue;
  return ctx.action === t.targetValue && (t.platform === null || t.platform === ctx.platform);
}

export function generateSnapshot(shape: SnapshotShape, seed = 14): RealisticSnapshot {
  const rand = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const client = () => `client_${Math.floor(rand() * shape.clients)}`;
  const seen = new Set<string>();
  const targets: SwitchTarget[] = [];
  const add = (t: SwitchTarget) => {
    const key = `${t.clientId}|${t.targetType}|${t.targetValue}|${t.platform}`;
    if (seen.has(key)) return false;
    seen.add(key);
    targets.push(t);
    return true;
  };
  for (const { level, share } of LEVEL_SHARES) {
    const want = Math.max(1, Math.round(share * shape.switches));
    let made = 0;
    while (made < want) {
      const clientId = level % 2 === 0 ? client() : null;
      const t: SwitchTarget =
        level <= 2
          ? { clientId, targetType: 'all', targetValue: '*', platform: null }
          : level <= 4
            ? { clientId, targetType: 'platform', targetValue: pick(PLATFORMS), platform: null }
            : {
                clientId,
                targetType: 'action',
                targetValue: pick(ACTIONS),
                platform: level >= 7 ? pick(PLATFORMS) : null,
              };
      if (add(t)) made++;
    }
  }

  const blocked = (ctx: CheckContext) => targets.some((t) => blocks(t, ctx));
  const contexts: CheckContext[] = [];
  const expected: boolean[] = [];
  const trippedWanted = Math.round(shape.contexts * shape.trippedShare);
  for (let i = 0; i < shape.contexts; i++) {
    // Interleaved, so any window of the rotation holds about the same share of blocked checks.
    const wantTripped =
      Math.floor(((i + 1) * trippedWanted) / shape.contexts) > Math.floor((i * trippedWanted) / shape.contexts);
    let ctx: CheckContext;
    if (wantTripped) {
      const t = pick(targets);
      const platform = t.targetType === 'platform' ? t.targetValue : (t.platform ?? pick(PLATFORMS));
      ctx = {
        clientId: t.clientId ?? client(),
        action: t.targetType === 'action' ? t.targetValue : pick(ACTIONS),
        platform,
      };
    } else {
      do {
        // One context in ten names no platform: the platform levels are then skipped, as in the service.
        ctx =
          rand() < 0.1
            ? { clientId: client(), action: pick(ACTIONS) }
            : { clientId: client(), action: pick(ACTIONS), platform: pick(PLATFORMS) };
      } while (blocked(ctx));
    }
    contexts.push(ctx);
    expected.push(blocked(ctx));
  }
  const perLevel = Array.from({ length: 9 }, () => 0);
  for (const t of targets) perLevel[levelOf(t)] = (perLevel[levelOf(t)] ?? 0) + 1;
  return { shape, targets, perLevel, contexts, expected, tripped: expected.filter(Boolean).length };
}

/** Creates and activates every switch through the service, `concurrency` at a time. */
export async function seedSnapshot(
  service: KillSwitchService,
  snapshot: RealisticSnapshot,
  concurrency = 16,
): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < snapshot.targets.length) {
      const t = snapshot.targets[next++] as SwitchTarget;
      const scope = t.targetType === 'all' ? (t.clientId === null ? 'global' : 'client') : t.targetType;
      const sw = await service.create({
        scope,
        targetType: t.targetType,
        targetValue: t.targetValue,
        ...(t.clientId === null ? {} : { clientId: t.clientId }),
        ...(t.platform === null ? {} : { platform: t.platform }),
        createdBy: 'bench',
      });
      await service.activate({ id: sw.id, reason: 'benchmark realistic snapshot', activatedBy: 'bench' });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return performance.now() - t0;
}
