import { createTestClock } from '../../testing/test-clock';
/** The SwitchStore contract on the memory adapter: no server. */
import { createMemorySwitchStore } from '../memory/memory-switch-store';
import { switchStoreContract } from './switch-store.contract';

switchStoreContract('memory', async () => {
  const clock = createTestClock();
  const store = createMemorySwitchStore({ clock });
  return {
    store,
    clock,
    auditTypes: async (target) =>
      store.audit
        .records()
        .filter((r) => r.target === target)
        .map((r) => r.type),
    close: async () => {},
  };
});
