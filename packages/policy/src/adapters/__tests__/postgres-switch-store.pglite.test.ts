/** The SwitchStore contract on the embedded database (PGlite), the same Postgres store as on a server. */
import { auditEvents, migrate } from '@rtv/db';
import { createEmbeddedDb } from '@rtv/db/pglite';
import { asc, eq } from 'drizzle-orm';
import { createTestClock } from '../../testing/test-clock';
import { createPostgresSwitchStore } from '../postgres/postgres-switch-store';
import { switchStoreContract } from './switch-store.contract';

switchStoreContract('pglite', async () => {
  const handle = await createEmbeddedDb();
  await migrate(handle.db);
  const clock = createTestClock(Date.now());
  return {
    store: createPostgresSwitchStore({ db: handle.db, clock }),
    clock,
    async auditTypes(target) {
      const rows = await handle.db
        .select({ type: auditEvents.type })
        .from(auditEvents)
        .where(eq(auditEvents.target, target))
        .orderBy(asc(auditEvents.seq));
      return rows.map((r) => r.type);
    },
    close: () => handle.close(),
  };
});
