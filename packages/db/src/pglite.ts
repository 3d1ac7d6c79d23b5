/**
 * `@rtv/db/pglite`: the embedded database entry. Kept apart from `@rtv/db` so
 * that only services that want PGlite (an optional peer dependency) load it.
 */
export { createEmbeddedDb } from './embedded/create-embedded-db';
export {
  EMBEDDED_DATABASE_LOCKED,
  EmbeddedDatabaseLockedError,
  isEmbeddedDatabaseLockedError,
  type EmbeddedDatabaseOwner,
} from './embedded/embedded-database-locked-error';
