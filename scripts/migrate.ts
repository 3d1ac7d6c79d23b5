/** `pnpm db:migrate`: applies the migrations to DATABASE_URL. */
import { createDb, migrate } from '@rtv/db';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is not set: export DATABASE_URL=postgres://user@host:5432/db and run again.');
  process.exit(2);
}
const { db, close } = createDb(url);
try {
  await migrate(db);
  console.log(`migrations applied to ${new URL(url).host}${new URL(url).pathname}`);
} catch (error) {
  console.error(`migration failed on ${new URL(url).host}: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await close();
}
