/**
 * Where a switch sits in the index (its slot: who, and one of the four targets) and which switch
 * a slot shows when several share it. Shared by the full build and the copy-on-write patch, so
 * both agree on the winner, ties included.
 */
import type { SwitchSummary } from '../types';
import type { CoordinateIndex, IndexedSwitch } from './switch-index';

/**
 * Two switches can share a slot (e.g. scope `global` and scope `platform` on `platform:meta`):
 * keep the more restrictive, then the one that lasts longer; on a tie the one seen first (the
 * earlier in the index's `switches` order).
 */
export function keepLonger(existing: IndexedSwitch | undefined, candidate: IndexedSwitch): IndexedSwitch {
  if (!existing) return candidate;
  if (candidate.rank !== existing.rank) return candidate.rank > existing.rank ? candidate : existing;
  return candidate.expiresAtMs > existing.expiresAtMs ? candidate : existing;
}

/** The slot's winner among its switches, given in `switches` order. */
export const slotWinner = (members: readonly IndexedSwitch[]): IndexedSwitch | undefined =>
  members.reduce<IndexedSwitch | undefined>(keepLonger, undefined);

/** A name for the slot, unique across clients and targets; only built when two switches meet in a slot. */
export function slotKey(summary: SwitchSummary): string {
  const { targetType, targetValue, platform } = summary;
  const what =
    targetType === 'all'
      ? ['all']
      : targetType === 'platform'
        ? ['platform', targetValue]
        : ['action', targetValue, platform];
  return JSON.stringify([summary.clientId, ...what]);
}

/** The switch a slot shows now, if any. */
export function slotOccupant(coordinates: CoordinateIndex, summary: SwitchSummary): IndexedSwitch | undefined {
  const { targetType, targetValue, platform } = summary;
  if (targetType === 'all') return coordinates.all;
  if (targetType === 'platform') return coordinates.platform.get(targetValue);
  if (platform) return coordinates.actionPlatform.get(targetValue)?.get(platform);
  return coordinates.action.get(targetValue);
}

export const isEmptyCoordinates = (c: CoordinateIndex): boolean =>
  c.all === undefined && c.platform.size === 0 && c.action.size === 0 && c.actionPlatform.size === 0;
