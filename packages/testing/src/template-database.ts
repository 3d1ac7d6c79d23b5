/**
 * Throwaway databases on a real server: one migrated template per run, and
 * a clone of it per test file (CREATE DATABASE ... TEMPLATE is much faster
 * than migrating again).
 */
import { createDb, migrate } from '@rtv/db';
import { customAlphabet } from 'nanoid';
import postgres from 'postgres';

const PREFIX = 'rtv_t_';
/** Databases of runs killed before their teardown are dropped after this long; younger ones may be another run's. */
const LEFTOVER_AGE_S = 2 * 60 * 60;

/** `rtv_t_<epoch seconds>_<id>`: the creation time in the name tells leftovers from a concurrent run's databases. */
const newName = (kind: string) => `${PREFIX}${Math.floor(Date.now() / 1000)}_${kind}${lowerId()}`;
const lowerId = customAlphabet('abcdefghijklmnopqrstuvwxyz0123456789', 12);

export function databaseUrlFor(baseUrl: string, database: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdmin<T>(baseUrl: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(baseUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export async function createTemplateDatabase(baseUrl: string): Promise<string> {
  const name = newName('tpl_');
  await withAdmin(baseUrl, (sql) => sql.unsafe(`CREATE DATABASE "${name}"`));
  const handle = createDb(databaseUrlFor(baseUrl, name), { max: 1 });
  try {
    await migrate(handle.db);
  } finally {
    await handle.close();
  }
  return name;
}

export async function cloneDatabase(baseUrl: string, template: string): Promise<string> {
  const name = newName('');
  // Clones of one template can collide on its lock ("being accessed by other users"): retry.
  for (let attempt = 0; ; attempt++) {
    try {
      await withAdmin(baseUrl, (sql) => sql.unsafe(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
      // A clone copies the template's identity: give it its own, as a separately migrated database has.
      await withAdmin(databaseUrlFor(baseUrl, name), (sql) =>
        sql.unsafe('UPDATE kill_switch_state SET database_id = gen_random_uuid()::text'),
      );
      return name;
    } catch (error) {
      if (attempt >= 20 || !String(error).includes('being accessed')) throw error;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
  }
}

export async function dropDatabase(baseUrl: string, name: string): Promise<void> {
  await withAdmin(baseUrl, (sql) => sql.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** Databases left by runs that were killed before their teardown (never a concurrent run's). */
export async function dropLeftoverDatabases(baseUrl: string): Promise<void> {
  const rows = await withAdmin(
    baseUrl,
    (sql) => sql<{ datname: string }[]>`SELECT datname FROM pg_database WHERE datname LIKE ${`${PREFIX}%`}`,
  );
  const now = Date.now() / 1000;
  for (const row of rows) {
    const createdAt = Number(/^rtv_t_(\d+)_/.exec(row.datname)?.[1] ?? 0);
    if (now - createdAt > LEFTOVER_AGE_S) await dropDatabase(baseUrl, row.datname).catch(() => {});
  }
}
