/** The SwitchStore contract on the embedded database (PGlite), the same Postgres store as on a server. */
import { migrate } from '@rtv/db';
import { createEmbeddedDb } from '@rtv/db/pglite';
import { createTestClock } from '../../testing/test-clock';
import { createPostgresSwitchStore } from '../postgres/postgres-switch-store';
import { auditTypesIn, switchStoreContract } from './switch-store.contract';

switchStoreContract('pglite', async () => {
  const handle = await createEmbeddedDb();
  await migrate(handle.db);
  const clock = createTestClock(Date.now());
  return {
    store: createPostgresSwitchStore({ db: handle.db, clock }),
    clock,
    auditTypes: (target) => auditTypesIn(handle.db, target),
    close: () => handle.close(),
  };
});
