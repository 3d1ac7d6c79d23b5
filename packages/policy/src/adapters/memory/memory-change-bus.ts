/**
 * An in-process change bus: instances in one process sharing a store hear
 * each other at once. Keyed by the store (or any shared object), so
 * unrelated stores in one process (tests) stay apart.
 */
import type { ChangeBus, ChangeNotice } from '../../ports';
import { decodeNotice, encodeNotice } from '../../sync/change-notice';

type Listener = (notice: ChangeNotice) => void;
const channels = new WeakMap<object, Set<Listener>>();

export function createMemoryChangeBus(scope: object): ChangeBus {
  let listeners = channels.get(scope);
  if (!listeners) {
    listeners = new Set();
    channels.set(scope, listeners);
  }
  const shared = listeners;
  return {
    async publish(notice) {
      // Through the wire format, as Redis would carry it: no listener shares the sender's objects.
      const message = encodeNotice(notice);
      for (const listener of shared) {
        const received = decodeNotice(message);
        if (received) listener(received);
      }
    },
    subscribe(onNotice) {
      // Each subscription is its own listener, even when two pass the same function.
      const listener: Listener = (notice) => onNotice(notice);
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
