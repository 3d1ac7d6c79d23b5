/**
 * An in-process change bus: instances in one process sharing a store hear
 * each other at once. Keyed by the store (or any shared object), so
 * unrelated stores in one process (tests) stay apart.
 */
import type { ChangeBus } from '../../ports';

type Listener = (version: number) => void;
const channels = new WeakMap<object, Set<Listener>>();

export function createMemoryChangeBus(scope: object): ChangeBus {
  let listeners = channels.get(scope);
  if (!listeners) {
    listeners = new Set();
    channels.set(scope, listeners);
  }
  const shared = listeners;
  return {
    async publish(version) {
      for (const listener of shared) listener(version);
    },
    subscribe(onVersion) {
      // Each subscription is its own listener, even when two pass the same function.
      const listener: Listener = (version) => onVersion(version);
      shared.add(listener);
      return {
        ready: Promise.resolve(),
        async close() {
          shared.delete(listener);
        },
      };
    },
  };
}
