/**
 * `pnpm demo`: a short walkthrough on the embedded default (PGlite, no
 * server): migrate, create a switch, show it. Later work grows this into the
 * full story with services, an operator and an auto-trip.
 */
import { createEmbeddedDb, killSwitches, migrate } from '@rtv/db';

const started = Date.now();
console.log('Kill-switch suite demo (embedded PGlite, no server needed)\n');
const { db, close } = await createEmbeddedDb();
await migrate(db);
console.log(`  migrated the embedded database in ${Date.now() - started} ms`);
await db
  .insert(killSwitches)
  .values({ id: 'ks_demo_tiktok', scope: 'global', targetType: 'platform', targetValue: 'tiktok' });
const rows = await db.select().from(killSwitches);
for (const row of rows) {
  console.log(
    `  switch ${row.id}: scope=${row.scope} target=${row.targetType}:${row.targetValue} active=${row.isActive}`,
  );
}
await close();
console.log('\ndone');
