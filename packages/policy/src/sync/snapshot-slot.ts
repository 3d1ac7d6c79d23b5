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
  /** Resolves once the slot holds `version` or newer; `cancel` resolves it at once. */
  reach(version: number): { reached: Promise<void>; cancel(): void };
}

/** `onApplied` hears every snapshot installed (the fleet registry's acknowledgement); it must not throw or block. */
export function createSnapshotSlot(metrics: Metrics, onApplied?: (snapshot: Snapshot) => void): SnapshotSlot {
  let current: Snapshot | undefined;
  const waiters = new Set<{ version: number; resolve: () => void }>();
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
      for (const waiter of waiters) {
        if (waiter.version <= next.version) {
          waiters.delete(waiter);
          waiter.resolve();
        }
      }
      onApplied?.(next);
      return true;
    },
    reach(version) {
      let waiter: { version: number; resolve: () => void } | undefined;
      const reached = new Promise<void>((resolve) => {
        if (current && current.version >= version) return resolve();
        waiter = { version, resolve };
        waiters.add(waiter);
      });
      return {
        reached,
        cancel() {
          if (!waiter) return;
          waiters.delete(waiter);
          waiter.resolve();
        },
      };
    },
  };
}
