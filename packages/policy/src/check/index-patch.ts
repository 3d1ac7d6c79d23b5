/**
 * A notice's changes applied to an index copy-on-write: only the maps on the path of a changed
 * switch are copied (the client map, that client's coordinates, the target map, the inner
 * platform map), every unchanged `IndexedSwitch` is shared with the index before, and nothing of
 * the index before is mutated, so a check reading it still sees it whole. `byId` grows an
 * overlay instead of being copied (id-table.ts) and `switches` is only built when read, so a
 * patch allocates for the changed switches and the maps on their path, not per active switch.
 */
import type { KillSwitchScope } from '@rtv/db';
import type { SwitchSummary } from '../types';
import { policyDecision } from './decision';
import { isEmptyCoordinates, keepLonger, slotKey, slotOccupant, slotWinner } from './index-slots';
import {
  type CoordinateIndex,
  type IndexedSwitch,
  type SwitchIndex,
  emptyCoordinates,
  indexSwitch,
  isExpiring,
  makeSwitchIndex,
} from './switch-index';

/** The index under construction: copies made on first write, remembered so a second change to the same map does not copy again. */
class IndexDraft {
  /** This patch's changes by id, in the order made (null: gone); read through `entryOf`. */
  private readonly edits = new Map<string, IndexedSwitch | null>();
  readonly activeByScope: Record<KillSwitchScope, number>;
  expiringCount: number;
  modeCount: number;
  global: CoordinateIndex;
  private byClient: ReadonlyMap<string, CoordinateIndex>;
  private contenders: ReadonlyMap<string, readonly IndexedSwitch[]>;
  /** Maps and coordinates this draft made (and so may write); everything else belongs to the index before. */
  private readonly owned = new Set<object>();

  constructor(readonly base: SwitchIndex) {
    this.activeByScope = { ...base.activeByScope };
    this.expiringCount = base.expiringCount;
    this.modeCount = base.modeCount;
    this.global = base.global;
    this.byClient = base.byClient;
    this.contenders = base.contenders;
  }

  /** The entry `id` has in the draft now. */
  entryOf(id: string): IndexedSwitch | undefined {
    const edited = this.edits.get(id);
    if (edited !== undefined) return edited ?? undefined;
    return this.edits.has(id) ? undefined : this.base.byId.get(id);
  }

  /** Records `id`'s new entry after every earlier edit, as `IdTable.with` will apply it. */
  private edit(id: string, entry: IndexedSwitch | null): void {
    this.edits.delete(id);
    this.edits.set(id, entry);
  }

  private own<T extends object>(value: T, copy: (v: T) => T): T {
    if (this.owned.has(value)) return value;
    const copied = copy(value);
    this.owned.add(copied);
    return copied;
  }

  private ownClients(): Map<string, CoordinateIndex> {
    this.byClient = this.own(this.byClient as Map<string, CoordinateIndex>, (m) => new Map(m));
    return this.byClient as Map<string, CoordinateIndex>;
  }

  private ownContenders(): Map<string, readonly IndexedSwitch[]> {
    this.contenders = this.own(this.contenders as Map<string, readonly IndexedSwitch[]>, (m) => new Map(m));
    return this.contenders as Map<string, readonly IndexedSwitch[]>;
  }

  /** The writable coordinates of `clientId` (null: every client), created when absent. */
  private coordinatesOf(clientId: string | null): CoordinateIndex {
    if (clientId === null) {
      this.global = this.own(this.global, (c) => ({ ...c }));
      return this.global;
    }
    const existing = this.byClient.get(clientId);
    const coordinates = existing ? this.own(existing, (c) => ({ ...c })) : emptyCoordinates();
    if (!existing)
      for (const map of [coordinates, coordinates.platform, coordinates.action, coordinates.actionPlatform])
        this.owned.add(map);
    if (coordinates !== existing) this.ownClients().set(clientId, coordinates);
    return coordinates;
  }

  /** Makes the slot of `summary` show `entry` (or nothing), copying only the maps on its path. */
  private setSlot(coordinates: CoordinateIndex, summary: SwitchSummary, entry: IndexedSwitch | undefined): void {
    const { targetType, targetValue, platform } = summary;
    const put = <K, V>(map: Map<K, V>, key: K, value: V | undefined) =>
      value === undefined ? map.delete(key) : map.set(key, value);
    if (targetType === 'all') {
      coordinates.all = entry;
    } else if (targetType === 'platform') {
      coordinates.platform = this.own(coordinates.platform, (m) => new Map(m));
      put(coordinates.platform, targetValue, entry);
    } else if (platform) {
      const outer = this.own(coordinates.actionPlatform, (m) => new Map(m));
      coordinates.actionPlatform = outer;
      const inner = this.own(outer.get(targetValue) ?? new Map<string, IndexedSwitch>(), (m) => new Map(m));
      put(inner, platform, entry);
      put(outer, targetValue, inner.size === 0 ? undefined : inner);
    } else {
      coordinates.action = this.own(coordinates.action, (m) => new Map(m));
      put(coordinates.action, targetValue, entry);
    }
  }

  /** A client left with no switch leaves the index, as a build from scratch would not have it. */
  private dropIfEmpty(clientId: string | null, coordinates: CoordinateIndex): void {
    if (clientId !== null && isEmptyCoordinates(coordinates)) this.ownClients().delete(clientId);
  }

  private count(summary: SwitchSummary, delta: 1 | -1): void {
    this.activeByScope[summary.scope] += delta;
    if (isExpiring(summary)) this.expiringCount += delta;
    if (summary.mode !== 'halt') this.modeCount += delta;
  }

  /** Takes `entry` out; a switch it shared its slot with shows again. */
  remove(entry: IndexedSwitch): void {
    const { summary } = entry;
    const coordinates = this.coordinatesOf(summary.clientId);
    const key = slotKey(summary);
    const members = this.contenders.get(key);
    const rest = members ? members.filter((m) => m !== entry) : [];
    if (members) {
      if (rest.length >= 2) this.ownContenders().set(key, rest);
      else this.ownContenders().delete(key);
    }
    this.setSlot(coordinates, summary, slotWinner(rest));
    this.dropIfEmpty(summary.clientId, coordinates);
    this.edit(summary.id, null);
    this.count(summary, -1);
  }

  /** Puts `entry` in, after every switch already there (ties go to those). */
  add(entry: IndexedSwitch): void {
    const { summary } = entry;
    const coordinates = this.coordinatesOf(summary.clientId);
    const occupant = slotOccupant(coordinates, summary);
    if (occupant) {
      const key = slotKey(summary);
      this.ownContenders().set(key, [...(this.contenders.get(key) ?? [occupant]), entry]);
    }
    this.setSlot(coordinates, summary, keepLonger(occupant, entry));
    this.edit(summary.id, entry);
    this.count(summary, 1);
  }

  finish(version: number): SwitchIndex {
    const byId = this.base.byId.with(this.edits);
    return makeSwitchIndex({
      version,
      global: this.global,
      byClient: this.byClient,
      size: byId.size,
      hasExpiring: this.expiringCount > 0,
      hasModes: this.modeCount > 0,
      clear: policyDecision(false, 'CLEAR', null, version),
      activeByScope: Object.freeze(this.activeByScope),
      byId,
      contenders: this.contenders,
      expiringCount: this.expiringCount,
      modeCount: this.modeCount,
    });
  }
}

/**
 * `index` at `version` with `changed` applied: each id maps to its switch as it now is, or null
 * when it is no longer active. Unchanged switches keep their entries (and their order in
 * `switches`); changed and added ones come after them, in `changed`'s order, as a build from
 * `[...kept, ...added]` would place them, so ties in a shared slot go the same way.
 */
export function patchSwitchIndex(
  index: SwitchIndex,
  version: number,
  changed: ReadonlyMap<string, SwitchSummary | null>,
): SwitchIndex {
  const draft = new IndexDraft(index);
  // Every removal first: a changed switch re-enters after all the kept ones, as in a build.
  for (const id of changed.keys()) {
    const before = draft.entryOf(id);
    if (before) draft.remove(before);
  }
  for (const summary of changed.values()) {
    if (summary === null) continue;
    // A change keyed under another id must not leave a second entry for this switch.
    const stale = draft.entryOf(summary.id);
    if (stale) draft.remove(stale);
    draft.add(indexSwitch(summary, version));
  }
  return draft.finish(version);
}
