/**
 * The changes between two snapshots of one database, as a notice carries
 * them, and the other way round: a snapshot patched with a notice's changes
 * (the index patched copy-on-write, unchanged entries shared, nothing mutated, no I/O).
 */
import type { KillSwitch } from '@rtv/db';
import { patchSwitchIndex } from '../check/index-patch';
import { type Snapshot, fromSwitchPayload, toSwitchPayload } from '../check/snapshot';
import type { ChangeNotice, SwitchChange } from '../ports';
import type { SwitchSummary } from '../types';

/** What one commit of this instance changed: the version it made and the switch rows as committed. */
export interface CommittedChange {
  version: number;
  rows: readonly KillSwitch[];
}

/** What changed from `base` to `next`: switches added or altered, and those gone (`switch: null`). */
export function diffSnapshots(base: Snapshot, next: Snapshot): SwitchChange[] {
  const before = new Map(base.index.switches.map((s) => [s.id, JSON.stringify(toSwitchPayload(s))]));
  const changes: SwitchChange[] = [];
  for (const summary of next.index.switches) {
    const payload = toSwitchPayload(summary);
    if (before.get(summary.id) !== JSON.stringify(payload)) changes.push({ id: summary.id, switch: payload });
    before.delete(summary.id);
  }
  for (const id of before.keys()) changes.push({ id, switch: null });
  return changes;
}

/** `current` with the notice's changes applied, or undefined when the notice cannot patch it (then read in full). */
export function applyNotice(current: Snapshot, notice: ChangeNotice): Snapshot | undefined {
  if (notice.base !== current.version || !notice.changes || notice.databaseId !== current.databaseId) return undefined;
  let changed: Map<string, SwitchSummary | null>;
  try {
    changed = new Map(notice.changes.map((c) => [c.id, c.switch === null ? null : fromSwitchPayload(c.switch)]));
  } catch {
    return undefined;
  }
  return patchSnapshot(current, notice.version, changed);
}

/**
 * A new snapshot at `version`: `current`'s switches with `changed` replacing (or, when null, removing) theirs.
 * The index is patched, not rebuilt: a flip costs the changed switches, not every active one.
 */
function patchSnapshot(current: Snapshot, version: number, changed: Map<string, SwitchSummary | null>): Snapshot {
  return Object.freeze({
    version,
    databaseId: current.databaseId,
    index: patchSwitchIndex(current.index, version, changed),
  });
}
