/**
 * Applies the drizzle-kit migrations shipped inside this package
 * (`packages/db/drizzle/`, in the tarball's `files`), on either driver, in
 * one transaction.
 *
 * drizzle-orm ships a migrator per driver; this one runs the same files and
 * keeps the same bookkeeping table (`drizzle.__drizzle_migrations`, so
 * `drizzle-kit migrate` agrees with it), but takes an advisory lock first:
 * several instances starting at once on one server must not race.
 */
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import type { Database } from './database';

/**
 * Found relative to this module, not to the working directory or the
 * repository: `src/migrate.ts` and `dist/index.{js,cjs}` both sit one level
 * under the package root, so `../drizzle` is the package's own folder in the
 * repository and in an installed tarball alike (the CJS build gets
 * `import.meta.url` from tsup's shims).
 */
export const defaultMigrationsFolder = fileURLToPath(new URL('../drizzle', import.meta.url));

export interface MigrateOptions {
  /** @default the `drizzle/` folder shipped in this package */
  migrationsFolder?: string;
}

// Any fixed 64-bit key, shared by every migrator of this schema.
const MIGRATION_LOCK_KEY = 727_274_001;

/** Brings the schema up to date; idempotent and safe to run concurrently. */
export async function migrate(db: Database, options: MigrateOptions = {}): Promise<void> {
  const migrations = readMigrationFiles({
    migrationsFolder: options.migrationsFolder ?? defaultMigrationsFolder,
  });
  await db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    await tx.execute(sql`CREATE SCHEMA IF NOT EXISTS drizzle`);
    await tx.execute(sql`
      CREATE TABLE IF NOT EXISTS drizzle.__drizzle_migrations (
        id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`);
    const applied = await tx.execute(
      sql`SELECT created_at FROM drizzle.__drizzle_migrations ORDER BY created_at DESC LIMIT 1`,
    );
    const rows = rowsOf<{ created_at: string | number }>(applied);
    const lastApplied = rows.length > 0 ? Number(rows[0]?.created_at) : -1;
    for (const migration of migrations) {
      if (migration.folderMillis <= lastApplied) continue;
      for (const statement of migration.sql) {
        if (statement.trim()) await tx.execute(sql.raw(statement));
      }
      await tx.execute(
        sql`INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES (${migration.hash}, ${migration.folderMillis})`,
      );
    }
  });
}

/** postgres.js returns the rows array itself; PGlite wraps them in `{ rows }`. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
