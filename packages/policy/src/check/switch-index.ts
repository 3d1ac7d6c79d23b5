/**
 * The immutable index a check reads: active switches placed by their two
 * coordinates (who, what) in nested maps, so a check is at most eight map
 * look-ups with no key strings built per call.
 */
import type { KillSwitchScope } from '@rtv/db';
import type { CheckResult, SwitchSummary } from '../types';
import { MODE_RANK, type Verdict, policyDecision, switchDecision } from './decision';
import { FractionBucket, keySeed } from './throttle-share';

/**
 * An indexed switch, with its expiry as a number so a check compares without
 * allocating, and the answers a check returns when it decides, built once.
 */
export interface IndexedSwitch {
  readonly summary: SwitchSummary;
  /** Epoch ms; Infinity when it never expires. */
  readonly expiresAtMs: number;
  /** How restrictive its mode is (MODE_RANK). */
  readonly rank: number;
  /** Frozen: shared by every check this switch blocks. */
  readonly result: CheckResult;
  /** `result`, already resolved, so an awaited check makes no promise of its own. */
  readonly resolved: Promise<CheckResult>;
  /** `reduce` and `throttle`: the decision for an action let through. */
  readonly passed: Verdict | undefined;
  /** `reduce`: the actions let through, undefined for the service's classification. */
  readonly allow: ReadonlySet<string> | undefined;
  /** `throttle` without a restart: the share let through. */
  readonly fraction: number;
  /** `throttle`: hash state of the switch id, for keyed shares. */
  readonly seed: number;
  /** `throttle` without a key. */
  readonly bucket: FractionBucket;
  readonly restart: IndexedRestart | undefined;
}

/** A restart's schedule in numbers, with the decisions of each step. */
export interface IndexedRestart {
  readonly startedAtMs: number;
  readonly everyMs: number;
  readonly steps: readonly number[];
  readonly blocked: readonly Verdict[];
  readonly passed: readonly Verdict[];
}

/** What one client's switches look like; the same shape serves "every client". */
export interface CoordinateIndex {
  all: IndexedSwitch | undefined;
  platform: Map<string, IndexedSwitch>;
  action: Map<string, IndexedSwitch>;
  /** action -> platform -> switch, for actions narrowed to a platform. */
  actionPlatform: Map<string, Map<string, IndexedSwitch>>;
}

const emptyCoordinates = (): CoordinateIndex => ({
  all: undefined,
  platform: new Map(),
  action: new Map(),
  actionPlatform: new Map(),
});

export interface SwitchIndex {
  /** Switches for every client (clientId NULL). */
  readonly global: CoordinateIndex;
  readonly byClient: ReadonlyMap<string, CoordinateIndex>;
  readonly size: number;
  /** Whether any switch carries an expiry (only then does a check read the clock). */
  readonly hasExpiring: boolean;
  /** Whether any switch is in `reduce` or `throttle` mode (only then may a later match decide instead of the first). */
  readonly hasModes: boolean;
  /** The answer when nothing matches, carrying this state's version. */
  readonly clear: Verdict;
  readonly activeByScope: Readonly<Record<KillSwitchScope, number>>;
  readonly switches: readonly SwitchSummary[];
}

/**
 * Two switches can share a slot (e.g. scope `global` and scope `platform` on `platform:meta`):
 * keep the more restrictive, then the one that lasts longer.
 */
function keepLonger(existing: IndexedSwitch | undefined, candidate: IndexedSwitch): IndexedSwitch {
  if (!existing) return candidate;
  if (candidate.rank !== existing.rank) return candidate.rank > existing.rank ? candidate : existing;
  return candidate.expiresAtMs > existing.expiresAtMs ? candidate : existing;
}

function place(coordinates: CoordinateIndex, entry: IndexedSwitch): void {
  const { targetType, targetValue, platform } = entry.summary;
  if (targetType === 'all') {
    coordinates.all = keepLonger(coordinates.all, entry);
  } else if (targetType === 'platform') {
    coordinates.platform.set(targetValue, keepLonger(coordinates.platform.get(targetValue), entry));
  } else if (platform) {
    let byPlatform = coordinates.actionPlatform.get(targetValue);
    if (!byPlatform) {
      byPlatform = new Map();
      coordinates.actionPlatform.set(targetValue, byPlatform);
    }
    byPlatform.set(platform, keepLonger(byPlatform.get(platform), entry));
  } else {
    coordinates.action.set(targetValue, keepLonger(coordinates.action.get(targetValue), entry));
  }
}

function restartOf(summary: SwitchSummary, version: number): IndexedRestart | undefined {
  const plan = summary.restart;
  if (!plan) return undefined;
  const startedAtMs = plan.startedAt.getTime();
  const nextAt = (i: number) => (i + 1 < plan.steps.length ? new Date(startedAtMs + (i + 1) * plan.everyMs) : null);
  const decide = (tripped: boolean) =>
    plan.steps.map((fraction, i) =>
      switchDecision(summary, version, {
        tripped,
        reasonCode: tripped ? 'THROTTLED' : 'THROTTLE_ADMITTED',
        fraction,
        nextStepAt: nextAt(i),
      }),
    );
  return { startedAtMs, everyMs: plan.everyMs, steps: plan.steps, blocked: decide(true), passed: decide(false) };
}

/** One switch with every answer it can give, built once. */
export function indexSwitch(summary: SwitchSummary, version: number): IndexedSwitch {
  const fraction = summary.fraction ?? 0;
  const share = summary.mode === 'throttle' ? fraction : null;
  const blocked = switchDecision(summary, version, {
    tripped: true,
    reasonCode: summary.mode === 'halt' ? 'HALTED' : summary.mode === 'reduce' ? 'REDUCE_ONLY' : 'THROTTLED',
    fraction: share,
    nextStepAt: null,
  });
  const passed =
    summary.mode === 'halt'
      ? undefined
      : switchDecision(summary, version, {
          tripped: false,
          reasonCode: summary.mode === 'reduce' ? 'RISK_REDUCING' : 'THROTTLE_ADMITTED',
          fraction: share,
          nextStepAt: null,
        });
  return {
    summary,
    expiresAtMs: summary.expiresAt ? summary.expiresAt.getTime() : Number.POSITIVE_INFINITY,
    rank: MODE_RANK[summary.mode],
    result: blocked.result,
    resolved: blocked.resolved,
    passed,
    allow: summary.allowActions ? new Set(summary.allowActions) : undefined,
    fraction,
    seed: keySeed(summary.id),
    bucket: new FractionBucket(),
    restart: restartOf(summary, version),
  };
}

/** `version` is the state version the decisions carry. */
export function buildSwitchIndex(active: readonly SwitchSummary[], version = 0): SwitchIndex {
  const global = emptyCoordinates();
  const byClient = new Map<string, CoordinateIndex>();
  const activeByScope: Record<KillSwitchScope, number> = { global: 0, client: 0, platform: 0, action: 0 };
  let hasExpiring = false;
  let hasModes = false;
  for (const summary of active) {
    // A restart's share moves with the clock, as an expiry does: the check reads the clock for both.
    if (summary.expiresAt || summary.restart) hasExpiring = true;
    if (summary.mode !== 'halt') hasModes = true;
    activeByScope[summary.scope] += 1;
    let coordinates = global;
    if (summary.clientId !== null) {
      coordinates = byClient.get(summary.clientId) ?? emptyCoordinates();
      byClient.set(summary.clientId, coordinates);
    }
    place(coordinates, indexSwitch(summary, version));
  }
  return {
    global,
    byClient,
    size: active.length,
    hasExpiring,
    hasModes,
    clear: policyDecision(false, 'CLEAR', null, version),
    activeByScope: Object.freeze(activeByScope),
    switches: Object.freeze([...active]),
  };
}

export const live = (entry: IndexedSwitch | undefined, now: number): IndexedSwitch | undefined =>
  entry !== undefined && entry.expiresAtMs > now ? entry : undefined;

/**
 * The highest-priority active switch matching the check, in the order of
 * DESIGN.md: global all, client all, global platform, client platform,
 * global action, client action, global action@platform, client action@platform.
 * `now` is only read for expiry; pass 0 when the index has no expiring switch.
 */
export function findBlockingSwitch(
  index: SwitchIndex,
  clientId: string,
  action: string,
  platform: string | undefined,
  now: number,
): IndexedSwitch | undefined {
  const global = index.global;
  const client = index.byClient.get(clientId);
  let hit = live(global.all, now) ?? (client ? live(client.all, now) : undefined);
  if (hit) return hit;
  if (platform !== undefined) {
    hit = live(global.platform.get(platform), now) ?? (client ? live(client.platform.get(platform), now) : undefined);
    if (hit) return hit;
  }
  hit = live(global.action.get(action), now) ?? (client ? live(client.action.get(action), now) : undefined);
  if (hit) return hit;
  if (platform !== undefined) {
    hit =
      live(global.actionPlatform.get(action)?.get(platform), now) ??
      (client ? live(client.actionPlatform.get(action)?.get(platform), now) : undefined);
  }
  return hit;
}

/** The switch at one level (1 to 8) for this check, if any, whatever its expiry. */
export function switchAtLevel(
  index: SwitchIndex,
  client: CoordinateIndex | undefined,
  level: number,
  action: string,
  platform: string | undefined,
): IndexedSwitch | undefined {
  const coordinates = level % 2 === 1 ? index.global : client;
  if (coordinates === undefined) return undefined;
  if (level <= 2) return coordinates.all;
  if (level <= 4) return platform === undefined ? undefined : coordinates.platform.get(platform);
  if (level <= 6) return coordinates.action.get(action);
  return platform === undefined ? undefined : coordinates.actionPlatform.get(action)?.get(platform);
}
