/**
 * The immutable index a check reads: active switches placed by their two
 * coordinates (who, what) in nested maps, so a check is at most eight map
 * look-ups with no key strings built per call.
 */
import type { KillSwitchScope } from '@rtv/db';
import type { SwitchSummary } from '../types';
import { MODE_RANK, type Verdict, policyDecision } from './decision';
import { type DecisionsHolder, buildDecisions } from './entry-decisions';
import { IdTable } from './id-table';
import { keepLonger, slotKey, slotOccupant } from './index-slots';
import { FractionBucket, keySeed } from './throttle-share';

/**
 * An indexed switch, with its expiry as a number so a check compares without allocating. It
 * holds nothing of a state version, so a patched index shares it with the index before; its
 * answers at the version a check reads come from `decisionsAt` (entry-decisions.ts).
 */
export interface IndexedSwitch extends DecisionsHolder {
  readonly summary: SwitchSummary;
  /** Epoch ms; Infinity when it never expires. */
  readonly expiresAtMs: number;
  /** How restrictive its mode is (MODE_RANK). */
  readonly rank: number;
  /** `reduce`: the actions let through, undefined for the service's classification. */
  readonly allow: ReadonlySet<string> | undefined;
  /** `throttle` without a restart: the share let through. */
  readonly fraction: number;
  /** `throttle`: hash state of the switch id, for keyed shares. */
  readonly seed: number;
  /** `throttle` without a key; kept across versions while the switch is unchanged. */
  readonly bucket: FractionBucket;
  readonly restart: IndexedRestart | undefined;
}

/** A restart's schedule in numbers (its answers per step are in the entry's decisions). */
export interface IndexedRestart {
  readonly startedAtMs: number;
  readonly everyMs: number;
  readonly steps: readonly number[];
}

/** What one client's switches look like; the same shape serves "every client". */
export interface CoordinateIndex {
  all: IndexedSwitch | undefined;
  platform: Map<string, IndexedSwitch>;
  action: Map<string, IndexedSwitch>;
  /** action -> platform -> switch, for actions narrowed to a platform. */
  actionPlatform: Map<string, Map<string, IndexedSwitch>>;
}

export const emptyCoordinates = (): CoordinateIndex => ({
  all: undefined,
  platform: new Map(),
  action: new Map(),
  actionPlatform: new Map(),
});

/**
 * Never mutated once built (a patch copies what it changes, see index-patch.ts); the entries'
 * decision memos are the one exception, and they only ever hold answers for a version.
 */
export interface SwitchIndex {
  /** The state version every decision read from this index carries. */
  readonly version: number;
  /** Switches for every client (clientId NULL). */
  readonly global: CoordinateIndex;
  /** Only clients that hold a switch. */
  readonly byClient: ReadonlyMap<string, CoordinateIndex>;
  readonly size: number;
  /** Whether any switch carries an expiry (only then does a check read the clock). */
  readonly hasExpiring: boolean;
  /** Whether any switch is in `reduce` or `throttle` mode (only then may a later match decide instead of the first). */
  readonly hasModes: boolean;
  /** The answer when nothing matches, carrying this state's version. */
  readonly clear: Verdict;
  readonly activeByScope: Readonly<Record<KillSwitchScope, number>>;
  /**
   * Every active switch, in the order they were given to the build; a patch keeps the unchanged
   * ones in their order and puts the ones it adds or changes after them, in the patch's order.
   * After a patch it is built on first read (publication and diffs read it, checks never do).
   */
  readonly switches: readonly SwitchSummary[];
  /** Every entry by switch id, in `switches` order (what a patch finds a changed switch by). */
  readonly byId: IdTable;
  /** Slots (by `slotKey`) that two or more switches share: all of them, in `switches` order. */
  readonly contenders: ReadonlyMap<string, readonly IndexedSwitch[]>;
  /** How many switches carry an expiry or a restart (`hasExpiring` is this above 0). */
  readonly expiringCount: number;
  /** How many switches are not plain halts (`hasModes` is this above 0). */
  readonly modeCount: number;
}

/** What an index is made of; `switches` comes apart: given to a build, listed from `byId` after a patch. */
export type IndexFields = Omit<SwitchIndex, 'switches'>;

/**
 * Every index, built or patched, is one of these: one shape, so the check path's reads of an
 * index stay monomorphic whichever way the snapshot it reads was made.
 */
class IndexRecord implements SwitchIndex {
  readonly version: number;
  readonly global: CoordinateIndex;
  readonly byClient: ReadonlyMap<string, CoordinateIndex>;
  readonly size: number;
  readonly hasExpiring: boolean;
  readonly hasModes: boolean;
  readonly clear: Verdict;
  readonly activeByScope: Readonly<Record<KillSwitchScope, number>>;
  readonly byId: IdTable;
  readonly contenders: ReadonlyMap<string, readonly IndexedSwitch[]>;
  readonly expiringCount: number;
  readonly modeCount: number;
  /** Listed on first read after a patch (publication and diffs read it, checks never do). */
  private listed: readonly SwitchSummary[] | undefined;

  constructor(f: IndexFields, listed: readonly SwitchSummary[] | undefined) {
    this.version = f.version;
    this.global = f.global;
    this.byClient = f.byClient;
    this.size = f.size;
    this.hasExpiring = f.hasExpiring;
    this.hasModes = f.hasModes;
    this.clear = f.clear;
    this.activeByScope = f.activeByScope;
    this.byId = f.byId;
    this.contenders = f.contenders;
    this.expiringCount = f.expiringCount;
    this.modeCount = f.modeCount;
    this.listed = listed;
  }

  get switches(): readonly SwitchSummary[] {
    this.listed ??= Object.freeze(Array.from(this.byId.values(), (e) => e.summary));
    return this.listed;
  }
}

export const makeSwitchIndex = (fields: IndexFields, switches?: readonly SwitchSummary[]): SwitchIndex =>
  new IndexRecord(fields, switches);

/** Records the switches sharing a slot, as `place` meets them. */
function noteContender(
  contenders: Map<string, IndexedSwitch[]>,
  existing: IndexedSwitch | undefined,
  entry: IndexedSwitch,
): void {
  if (!existing) return;
  const key = slotKey(entry.summary);
  const members = contenders.get(key);
  if (members) members.push(entry);
  else contenders.set(key, [existing, entry]);
}

function place(coordinates: CoordinateIndex, entry: IndexedSwitch, contenders: Map<string, IndexedSwitch[]>): void {
  const { targetType, targetValue, platform } = entry.summary;
  noteContender(contenders, slotOccupant(coordinates, entry.summary), entry);
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

/** One switch, indexed, with its answers at `version` built now. */
export function indexSwitch(summary: SwitchSummary, version: number): IndexedSwitch {
  const plan = summary.restart;
  return {
    summary,
    expiresAtMs: summary.expiresAt ? summary.expiresAt.getTime() : Number.POSITIVE_INFINITY,
    rank: MODE_RANK[summary.mode],
    allow: summary.allowActions ? new Set(summary.allowActions) : undefined,
    fraction: summary.fraction ?? 0,
    seed: keySeed(summary.id),
    bucket: new FractionBucket(),
    restart: plan ? { startedAtMs: plan.startedAt.getTime(), everyMs: plan.everyMs, steps: plan.steps } : undefined,
    decisions: buildDecisions(summary, version),
  };
}

/** A restart's share moves with the clock, as an expiry does: the check reads the clock for both. */
export const isExpiring = (summary: SwitchSummary): boolean => summary.expiresAt !== null || summary.restart !== null;

/** Built from scratch (a full load); a notice's changes go through `patchSwitchIndex` instead. `version` is the state version the decisions carry. */
export function buildSwitchIndex(active: readonly SwitchSummary[], version = 0): SwitchIndex {
  const global = emptyCoordinates();
  const byClient = new Map<string, CoordinateIndex>();
  const byId = new Map<string, IndexedSwitch>();
  const contenders = new Map<string, IndexedSwitch[]>();
  const activeByScope: Record<KillSwitchScope, number> = { global: 0, client: 0, platform: 0, action: 0 };
  let expiringCount = 0;
  let modeCount = 0;
  for (const summary of active) {
    if (isExpiring(summary)) expiringCount += 1;
    if (summary.mode !== 'halt') modeCount += 1;
    activeByScope[summary.scope] += 1;
    let coordinates = global;
    if (summary.clientId !== null) {
      coordinates = byClient.get(summary.clientId) ?? emptyCoordinates();
      byClient.set(summary.clientId, coordinates);
    }
    const entry = indexSwitch(summary, version);
    byId.set(summary.id, entry);
    place(coordinates, entry, contenders);
  }
  const fields: IndexFields = {
    version,
    global,
    byClient,
    size: active.length,
    hasExpiring: expiringCount > 0,
    hasModes: modeCount > 0,
    clear: policyDecision(false, 'CLEAR', null, version),
    activeByScope: Object.freeze(activeByScope),
    byId: IdTable.of(byId),
    contenders,
    expiringCount,
    modeCount,
  };
  return makeSwitchIndex(fields, Object.freeze([...active]));
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
