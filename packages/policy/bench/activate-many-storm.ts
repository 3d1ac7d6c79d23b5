/**
 * One measurement of an auto-trip storm: 1,000 switches tripped by one `activateMany` on
 * PostgreSQL (a scratch database of its own, dropped after), then the audit chain verified.
 *
 *   tsx --tsconfig tsconfig.json packages/policy/bench/activate-many-storm.ts [count]
 */
import { verifyAuditChain } from '@rtv/audit';
import { createDb, migrate } from '@rtv/db';
import { sql } from 'drizzle-orm';
import { createKillSwitchService } from '../src/index';

const count = Number(process.argv[2] ?? 1000);
const baseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const name = `rtv_storm_${process.pid}`;
const admin = createDb(baseUrl, { max: 1 });
await admin.db.execute(sql.raw(`CREATE DATABASE "${name}"`));
const url = new URL(baseUrl);
url.pathname = `/${name}`;
const handle = createDb(url.toString());
try {
  await migrate(handle.db);
  const service = createKillSwitchService({ db: handle.db, sweepIntervalMs: 0, pollIntervalMs: 60_000 });
  await service.ready();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const row = await service.create({
      scope: 'client',
      targetType: 'all',
      targetValue: '*',
      clientId: `client_${i}`,
      createdBy: 'bench',
    });
    ids.push(row.id);
  }
  const inputs = ids.map((id) => ({ id, reason: 'auto-trip storm benchmark', activatedBy: 'system:auto_trip' }));
  const started = performance.now();
  const results = await service.activateMany(inputs);
  const ms = performance.now() - started;
  const chain = await verifyAuditChain(handle.db);
  console.log(
    JSON.stringify({ switches: count, changed: results.filter((r) => r.changed).length, ms: Math.round(ms), chain }),
  );
  await service.close();
} finally {
  await handle.close();
  await admin.db.execute(sql.raw(`DROP DATABASE IF EXISTS "${name}"`));
  await admin.close();
}
