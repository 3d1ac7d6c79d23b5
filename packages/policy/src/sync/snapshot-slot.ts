/**
 * The one place the current snapshot lives: swapped whole, never to an
 * older version (unless forced), and `ready` once the first one arrived.
 */
import type { Snapshot } from '../check/snapshot';
import type { Metrics } from '../ports';

export interface SnapshotSlot {
  readonly current: Snapshot | undefined;
  /** Resolves after the first swap. */
  readonly ready: Promise<void>;
  /** Installs `next` if it is newer (or `force`); returns whether it did. */
  swap(next: Snapshot, force?: boolean): boolean;
  /** Calls `listener` after every swap; returns a function that stops it. */
  onSwap(listener: (snapshot: Snapshot) => void): () => void;
}

export function createSnapshotSlot(metrics: Metrics): SnapshotSlot {
  let current: Snapshot | undefined;
  const listeners = new Set<(snapshot: Snapshot) => void>();
  let resolveReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });
  return {
    get current() {
      return current;
    },
    ready,
    swap(next, force = false) {
      if (!force && current && next.version <= current.version) return false;
      const first = current === undefined;
      current = next;
      metrics.increment('kill_switch_snapshot_swaps_total');
      if (first) resolveReady();
      // A listener that throws must not stop the swap (done) nor the other listeners.
      for (const listener of listeners) {
        try {
          listener(next);
        } catch {}
      }
      return true;
    },
    onSwap(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
