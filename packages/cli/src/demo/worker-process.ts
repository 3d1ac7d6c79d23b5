/**
 * Child-process entry of the demo on the real servers: runs one service
 * (`publishing-service` or `engagement-worker`, argv[2]) with its own
 * kill-switch service on DATABASE_URL and REDIS_URL, and reports its tallies
 * and trips to the parent over IPC.
 */
import { createAuditEmitter } from '@rtv/audit';
import { createDb } from '@rtv/db';
import { createIncidentService, createKillSwitchService } from '@rtv/policy';
import { Redis } from 'ioredis';
import { createEngagementWorker } from './engagement-worker';
import { fleetOptionsFromEnv } from './fleet-env';
import { createPublishingService } from './publishing-service';
import type { Outage, Tallies, TripReport } from './traffic';

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'tallies'; tallies: Tallies }
  | { type: 'trip'; trip: TripReport }
  | { type: 'error'; message: string };

export type ParentMessage = { type: 'outage'; outage: Outage | null } | { type: 'stop' };

async function main(): Promise<void> {
  const role = process.argv[2];
  const send = (message: WorkerMessage) => {
    if (process.connected) process.send?.(message);
  };
  const databaseUrl = process.env.DATABASE_URL;
  const redisUrl = process.env.REDIS_URL;
  if (!databaseUrl || !redisUrl) throw new Error('the demo worker needs DATABASE_URL and REDIS_URL');
  const handle = createDb(databaseUrl, { max: 4 });
  // The settings the README recommends for a service's Redis client: fail fast, never queue into a dead link.
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 500 });
  redis.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    redis.once('ready', resolve);
    redis.once('end', () => reject(new Error('Redis did not answer')));
  });
  const audit = createAuditEmitter({ db: handle.db });
  const service = createKillSwitchService({
    db: handle.db,
    redis,
    audit,
    keyPrefix: process.env.RTV_KEY_PREFIX || undefined,
    sweepIntervalMs: 0,
    fleet: fleetOptionsFromEnv(role ?? 'worker', process.env),
  });
  await service.ready();
  const options = {
    service,
    incidents: createIncidentService({ db: handle.db, audit }),
    onTrip: (trip: TripReport) => send({ type: 'trip', trip }),
    onError: (error: unknown) =>
      send({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
  };
  const worker = role === 'engagement-worker' ? createEngagementWorker(options) : createPublishingService(options);
  worker.start();
  const reporter = setInterval(() => send({ type: 'tallies', tallies: worker.tallies() }), 100);
  send({ type: 'ready' });

  process.on('message', (message: ParentMessage) => {
    if (message.type === 'outage') worker.setOutage(message.outage);
    if (message.type === 'stop') {
      void (async () => {
        clearInterval(reporter);
        await worker.close();
        send({ type: 'tallies', tallies: worker.tallies() });
        await service.close();
        await audit.close();
        redis.disconnect();
        await handle.close();
        process.disconnect?.();
        process.exit(0);
      })();
    }
  });
  // The parent is gone (killed, crashed): do not linger.
  process.on('disconnect', () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(`demo worker ${process.argv[2]}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
