/**
 * Deltas that arrived before the versions they build on. Two writers' notices
 * (and a writer's own commit) cross on the way, so a reader often learns of
 * version N+2 before N+1; keeping N+2 until N+1 arrives, then applying both
 * in order, spares it reading the whole snapshot for an ordinary burst.
 */
import type { Snapshot } from '../check/snapshot';
import type { ChangeNotice } from '../ports';
import { applyNotice } from './delta';

/** A notice that can patch: it names the version it applies to and what changed. */
export type Delta = ChangeNotice & Required<Pick<ChangeNotice, 'base' | 'changes'>>;

export const isDelta = (notice: ChangeNotice): notice is Delta =>
  notice.base !== undefined && notice.changes !== undefined;

export interface PendingDeltas {
  add(delta: Delta): void;
  /** `current` with every waiting delta that continues it applied in order; undefined when none does. */
  drain(current: Snapshot): Snapshot | undefined;
  /** The newest version some waiting delta leads to, or undefined when none waits. */
  highest(): number | undefined;
}

/** Bounds what a flood of notices (or a lost one) can hold in memory; past it, the oldest go. */
const MAX_PENDING = 256;

export function createPendingDeltas(): PendingDeltas {
  // Keyed by the version each applies to: exactly one continues a given snapshot.
  const byBase = new Map<number, Delta>();

  return {
    add(delta) {
      if (delta.version <= delta.base) return;
      byBase.set(delta.base, delta);
      if (byBase.size > MAX_PENDING) byBase.delete(Math.min(...byBase.keys()));
    },
    drain(current) {
      let snapshot = current;
      for (let next = byBase.get(snapshot.version); next; next = byBase.get(snapshot.version)) {
        const patched = applyNotice(snapshot, next);
        // Unreadable: it stays, so its version counts as missing and is read in full.
        if (!patched) break;
        byBase.delete(snapshot.version);
        snapshot = patched;
      }
      // What the snapshot has passed can never apply again.
      for (const base of byBase.keys()) if (base < snapshot.version) byBase.delete(base);
      return snapshot === current ? undefined : snapshot;
    },
    highest() {
      let highest: number | undefined;
      for (const delta of byBase.values())
        if (highest === undefined || delta.version > highest) highest = delta.version;
      return highest;
    },
  };
}
