/**
 * An in-process change bus: instances in one process sharing a database
 * hear each other at once. Keyed by the database object, so unrelated
 * databases in one process (tests) stay apart.
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
    async subscribe(onVersion) {
      shared.add(onVersion);
      return async () => {
        shared.delete(onVersion);
      };
    },
  };
}
