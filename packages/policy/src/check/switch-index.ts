/**
 * The immutable index a check reads: active switches placed by their two
 * coordinates (who, what) in nested maps, so a check is at most eight map
 * look-ups with no key strings built per call.
 */
import type { KillSwitchScope } from '@rtv/db';
import type { CheckResult, SwitchSummary } from '../types';

/**
 * An indexed switch, with its expiry as a number so a check compares without
 * allocating, and the answer a check returns when it decides, built once.
 */
export interface IndexedSwitch {
  readonly summary: SwitchSummary;
  /** Epoch ms; Infinity when it never expires. */
  readonly expiresAtMs: number;
  /** Frozen: shared by every check this switch decides. */
  readonly result: CheckResult;
  /** `result`, already resolved, so an awaited check makes no promise of its own. */
  readonly resolved: Promise<CheckResult>;
}

/** What one client's switches look like; the same shape serves "every client". */
interface CoordinateIndex {
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
  readonly activeByScope: Readonly<Record<KillSwitchScope, number>>;
  readonly switches: readonly SwitchSummary[];
}

/** Two switches can share a slot (e.g. scope `global` and scope `platform` on `platform:meta`): keep the one that lasts longer. */
function keepLonger(existing: IndexedSwitch | undefined, candidate: IndexedSwitch): IndexedSwitch {
  if (!existing) return candidate;
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

export function buildSwitchIndex(active: readonly SwitchSummary[]): SwitchIndex {
  const global = emptyCoordinates();
  const byClient = new Map<string, CoordinateIndex>();
  const activeByScope: Record<KillSwitchScope, number> = { global: 0, client: 0, platform: 0, action: 0 };
  let hasExpiring = false;
  for (const summary of active) {
    const expiresAtMs = summary.expiresAt ? summary.expiresAt.getTime() : Number.POSITIVE_INFINITY;
    if (summary.expiresAt) hasExpiring = true;
    activeByScope[summary.scope] += 1;
    let coordinates = global;
    if (summary.clientId !== null) {
      coordinates = byClient.get(summary.clientId) ?? emptyCoordinates();
      byClient.set(summary.clientId, coordinates);
    }
    const result: CheckResult = Object.freeze({ tripped: true, switch: summary, reason: summary.reason });
    place(coordinates, { summary, expiresAtMs, result, resolved: Promise.resolve(result) });
  }
  return {
    global,
    byClient,
    size: active.length,
    hasExpiring,
    activeByScope: Object.freeze(activeByScope),
    switches: Object.freeze([...active]),
  };
}

const live = (entry: IndexedSwitch | undefined, now: number): IndexedSwitch | undefined =>
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
