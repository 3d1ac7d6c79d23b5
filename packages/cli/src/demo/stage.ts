/**
 * Sets the demo's stage: the embedded default (PGlite in memory, both
 * services in this process) or, with DATABASE_URL and REDIS_URL, the real
 * servers with each service in its own child process.
 */
import { createAuditEmitter } from '@rtv/audit';
import { createDb, migrate } from '@rtv/db';
import { createEmbeddedDb } from '@rtv/db/pglite';
import { createIncidentService, createKillSwitchService } from '@rtv/policy';
import { Redis } from 'ioredis';
import { redactUrl } from '../errors-to-exit';
import { type FleetEvents, startChildFleet, startInProcessFleet } from './fleet';
import type { Stage } from './story';

/** The operator's console is not a service instance: the receipts count the two services only. */
const OPERATOR_FLEET = { register: false, serviceName: 'operator' } as const;

export interface OpenStage extends Stage {
  close(): Promise<void>;
}

export async function openEmbeddedStage(events: FleetEvents, options: { tickMs?: number } = {}): Promise<OpenStage> {
  const handle = await createEmbeddedDb();
  await migrate(handle.db);
  const audit = createAuditEmitter({ db: handle.db });
  const operator = createKillSwitchService({ db: handle.db, audit, sweepIntervalMs: 0, fleet: OPERATOR_FLEET });
  await operator.ready();
  const fleet = await startInProcessFleet({ db: handle.db, audit, tickMs: options.tickMs, ...events });
  return {
    description: `embedded PGlite in memory (no server) · ${fleet.description}`,
    db: handle.db,
    audit,
    operator,
    incidents: createIncidentService({ db: handle.db, audit }),
    fleet,
    async close() {
      await fleet.close();
      await operator.close();
      await audit.close();
      await handle.close();
    },
  };
}

export async function openServerStage(
  env: NodeJS.ProcessEnv & { DATABASE_URL: string; REDIS_URL: string },
  events: FleetEvents,
): Promise<OpenStage> {
  const handle = createDb(env.DATABASE_URL, { max: 4 });
  await migrate(handle.db);
  const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 500 });
  redis.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    redis.once('ready', resolve);
    redis.once('end', () => reject(new Error(`Redis at ${redactUrl(env.REDIS_URL)} did not answer`)));
  });
  const audit = createAuditEmitter({ db: handle.db });
  const keyPrefix = env.RTV_KEY_PREFIX || undefined;
  const operator = createKillSwitchService({
    db: handle.db,
    redis,
    audit,
    keyPrefix,
    sweepIntervalMs: 0,
    fleet: OPERATOR_FLEET,
  });
  await operator.ready();
  const fleet = await startChildFleet({ env, ...events });
  return {
    description: `PostgreSQL ${redactUrl(env.DATABASE_URL)} · Redis ${redactUrl(env.REDIS_URL)} · ${fleet.description}`,
    db: handle.db,
    audit,
    operator,
    incidents: createIncidentService({ db: handle.db, audit }),
    fleet,
    async close() {
      await fleet.close();
      await operator.close();
      await audit.close();
      redis.disconnect();
      await handle.close();
    },
  };
}
