/**
 * Builds what a command needs from the environment: the database
 * (DATABASE_URL, else the embedded PGlite in RTV_DATA_DIR or ./.rtv/data),
 * Redis (REDIS_URL, optional), the audit emitter and the kill-switch service.
 * Everything is short-lived: `close()` ends every handle so the process exits
 * promptly, and the service runs without its sweep timer.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Identity } from '@rtv/admin';
import { type AuditEmitter, type Logger, createAuditEmitter, silentLogger } from '@rtv/audit';
import { type Database, type DbHandle, createDb, migrate } from '@rtv/db';
import {
  type IncidentService,
  type KillSwitchService,
  createIncidentService,
  createKillSwitchService,
} from '@rtv/policy';
import { Redis } from 'ioredis';
import { redactUrl } from './errors-to-exit';
import { actingAs, incidentsActingAs, tokenAuthorizer, tokenIdentity } from './token-identity';
import { UsageError } from './usage-error';

export interface ConnectOptions {
  env: NodeJS.ProcessEnv;
  /** Where notes for the person go (stderr): the embedded data directory, Redis trouble. */
  note: (line: string) => void;
  /** Apply migrations on the embedded database (a newcomer has no other way to get tables). @default true */
  migrateEmbedded?: boolean;
}

export interface Connection {
  db: Database;
  kind: DbHandle['kind'];
  /** Where the database is, for messages: a redacted URL or the embedded directory. */
  databaseLabel: string;
  /** Redacted REDIS_URL, when one is set. */
  redisLabel?: string;
  redis?: Redis;
  /** Why Redis did not answer when connecting (the service then runs on PostgreSQL alone). */
  redisError(): string | undefined;
  audit: AuditEmitter;
  /** The identity RTV_TOKEN proved, when it is set: writes are made as it. */
  identity: Identity | undefined;
  /**
   * Created on first use: commands that only read the audit trail never start a snapshot sync.
   * `receiptTimeoutMs` (how long a change's receipt gathers acknowledgements) counts on that first call.
   */
  service(options?: { receiptTimeoutMs?: number }): KillSwitchService;
  /** The incident service on the same database and audit trail. */
  incidents(): IncidentService;
  close(): Promise<void>;
}

export const DEFAULT_DATA_DIR = './.rtv/data';

/** The kill-switch service options the CLI always uses; exported so tests and docs show the same. */
export const CLI_SERVICE_OPTIONS = {
  // A CLI run lasts a second: a sweep timer would only hold the process open.
  sweepIntervalMs: 0,
  // An operator waiting on a dead server wants the error, not a long hang.
  operationTimeoutMs: 2000,
  startupTimeoutMs: 3000,
  // The CLI only announces its own changes; listening would open a second Redis connection for nothing.
  pubSub: false,
  // A one-shot tool enforces nothing: it is not an instance the fleet must wait for.
  fleet: { register: false, serviceName: 'rtv-ks' },
} as const;

/** Refuses a malformed URL up front, naming the variable (and never echoing a password). */
function assertUrl(name: string, url: string, example: string): void {
  try {
    new URL(url);
  } catch {
    // The value is not echoed: a malformed URL can still hold a password the redaction would not recognise.
    throw new UsageError(`${name} is not a valid URL; expected e.g. ${example}`, name);
  }
}

/**
 * PGlite is an optional peer dependency: loaded only when no DATABASE_URL is
 * set, with a message saying what to install when it is missing.
 */
async function loadEmbedded(): Promise<typeof import('@rtv/db/pglite')> {
  try {
    return await import('@rtv/db/pglite');
  } catch (error) {
    const missing = error instanceof Error && error.message.includes('@electric-sql/pglite');
    if (missing) {
      throw new UsageError(
        'DATABASE_URL is not set and the embedded database needs @electric-sql/pglite: set DATABASE_URL, or install it (npm install @electric-sql/pglite)',
        'DATABASE_URL',
      );
    }
    throw error;
  }
}

async function openDatabase(options: ConnectOptions): Promise<{ handle: DbHandle; label: string }> {
  const url = options.env.DATABASE_URL?.trim();
  if (url) {
    assertUrl('DATABASE_URL', url, 'postgres://user:password@host:5432/database (password optional)');
    // A small pool: the CLI runs one command; a short close timeout: nothing is left running at exit.
    const handle = createDb(url, { max: 2, connectTimeoutSeconds: 5, closeTimeoutSeconds: 1 });
    return { handle, label: redactUrl(url) };
  }
  const dir = resolve(options.env.RTV_DATA_DIR?.trim() || DEFAULT_DATA_DIR);
  const label = `embedded PGlite at ${dir}`;
  if (!existsSync(dir)) {
    options.note(
      `rtv-ks: no DATABASE_URL set; using the embedded database at ${dir} (created now; set RTV_DATA_DIR to move it)`,
    );
    mkdirSync(dir, { recursive: true });
  }
  const handle = await (await loadEmbedded()).createEmbeddedDb(dir);
  if (options.migrateEmbedded ?? true) await migrate(handle.db);
  return { handle, label };
}

async function openRedis(
  url: string,
  note: (line: string) => void,
): Promise<{ redis: Redis; firstError: () => string | undefined }> {
  const label = redactUrl(url);
  const redis = new Redis(url, {
    lazyConnect: true,
    // The service's recommended settings: a dead Redis fails a command fast instead of queueing it.
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    commandTimeout: 500,
    connectTimeout: 2000,
    // A one-shot command should not keep reconnecting for long.
    retryStrategy: (times) => (times > 3 ? null : 200 * times),
  });
  let firstError: string | undefined;
  redis.on('error', (error: Error) => {
    // Without a listener ioredis would crash the process on a connection error.
    if (firstError !== undefined) return;
    firstError = error.message;
    note(
      `rtv-ks: warning: Redis at ${label} did not answer (${error.message}); PostgreSQL stays the source of truth: changes are stored there and instances pick them up by polling it`,
    );
  });
  try {
    await redis.connect();
  } catch {
    // Reported by the listener above; the service treats Redis as optional and falls back to PostgreSQL.
  }
  return { redis, firstError: () => firstError };
}

/** Only publication matters to the operator: the change is committed, others learn of it by polling. */
function publicationWarnings(note: (line: string) => void): Logger {
  return {
    ...silentLogger,
    warn(fields) {
      if (fields.during !== 'publish') return;
      note(
        `rtv-ks: warning: the change is committed, but telling other instances through Redis failed (${String(fields.err)}); they will see it when they next poll PostgreSQL`,
      );
    },
  };
}

export async function connect(options: ConnectOptions): Promise<Connection> {
  const { handle, label } = await openDatabase(options);
  const redisUrl = options.env.REDIS_URL?.trim();
  let redis: Redis | undefined;
  let redisError: () => string | undefined = () => undefined;
  try {
    if (redisUrl) {
      assertUrl('REDIS_URL', redisUrl, 'redis://host:6379');
      const opened = await openRedis(redisUrl, options.note);
      redis = opened.redis;
      redisError = opened.firstError;
    }
  } catch (error) {
    await handle.close();
    throw error;
  }
  const audit = createAuditEmitter({ db: handle.db });
  let identity: Identity | undefined;
  try {
    identity = await tokenIdentity(handle.db, options.env);
  } catch (error) {
    redis?.disconnect();
    await handle.close();
    throw error;
  }
  const keyPrefix = options.env.RTV_KEY_PREFIX?.trim() || undefined;
  let service: KillSwitchService | undefined;
  let closed = false;

  return {
    db: handle.db,
    kind: handle.kind,
    databaseLabel: label,
    redisLabel: redisUrl ? redactUrl(redisUrl) : undefined,
    redis,
    redisError,
    audit,
    identity,
    service(serviceOptions = {}) {
      service ??= createKillSwitchService({
        db: handle.db,
        redis,
        audit,
        keyPrefix,
        ...CLI_SERVICE_OPTIONS,
        fleet: { ...CLI_SERVICE_OPTIONS.fleet, ...serviceOptions },
        logger: publicationWarnings(options.note),
        ...(identity ? { authorize: tokenAuthorizer(identity) } : {}),
      });
      return identity ? actingAs(service, identity) : service;
    },
    incidents() {
      const incidents = createIncidentService({ db: handle.db, audit });
      return identity ? incidentsActingAs(incidents, identity) : incidents;
    },
    async close() {
      if (closed) return;
      closed = true;
      // Each step runs even when an earlier one failed: a dangling handle would keep the process alive.
      await service?.close().catch(() => {});
      await audit.close().catch(() => {});
      if (redis) redis.disconnect();
      await handle.close().catch(() => {});
    },
  };
}
