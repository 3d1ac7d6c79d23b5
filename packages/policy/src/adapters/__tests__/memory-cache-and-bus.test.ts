/** The StateCache and ChangeBus contracts on the memory adapters: no server. */
import { createMemoryChangeBus } from '../memory/memory-change-bus';
import { createMemoryStateCache } from '../memory/memory-state-cache';
import { changeBusContract, stateCacheContract } from './state-cache.contract';

stateCacheContract('memory', async () => ({ cache: createMemoryStateCache(), close: async () => {} }));

const scopes = new Map<string, object>();
changeBusContract('memory', (namespace) => {
  let scope = scopes.get(namespace);
  if (!scope) {
    scope = {};
    scopes.set(namespace, scope);
  }
  return createMemoryChangeBus(scope);
});
