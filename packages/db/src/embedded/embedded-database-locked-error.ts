/**
 * The typed refusal of a second opener of an embedded data directory. PGlite
 * is one process's database: a second process writing the same directory
 * would see nothing the first one does and can leave it unusable, so the
 * second opener gets this error instead. Driver-free, so `@rtv/db` exports it
 * too and a CLI can recognise it without loading PGlite.
 */

export const EMBEDDED_DATABASE_LOCKED = 'EMBEDDED_DATABASE_LOCKED';

/** Who holds the directory, as recorded in its lock file. */
export interface EmbeddedDatabaseOwner {
  pid: number;
  host: string;
  /** When the owner opened the directory (ISO 8601), when known. */
  startedAt?: string;
}

const ADVICE =
  'the embedded database (PGlite) serves one process: stop that process, or set DATABASE_URL to a PostgreSQL server to share the state between several processes';

export class EmbeddedDatabaseLockedError extends Error {
  readonly code = EMBEDDED_DATABASE_LOCKED;
  override readonly name = 'EmbeddedDatabaseLockedError';

  constructor(
    /** The data directory that is in use. */
    readonly dataDir: string,
    /** The process holding it. */
    readonly owner: EmbeddedDatabaseOwner,
  ) {
    const since = owner.startedAt ? ` (since ${owner.startedAt})` : '';
    super(`the embedded database at ${dataDir} is in use by process ${owner.pid} on ${owner.host}${since}; ${ADVICE}`);
  }
}

/** True for the error above, also when it comes from another copy of this package (checks the code, not the class). */
export function isEmbeddedDatabaseLockedError(error: unknown): error is EmbeddedDatabaseLockedError {
  return (
    error instanceof Error &&
    (error as { code?: unknown }).code === EMBEDDED_DATABASE_LOCKED &&
    typeof (error as { dataDir?: unknown }).dataDir === 'string'
  );
}
