/**
 * One process of the propagation benchmark, with its own service instance on
 * the shared PostgreSQL and Redis (same keyPrefix). `activator`: flips the
 * switch on request and reports when its transaction committed. `reader`:
 * checks `isTripped` every millisecond (`paced`, like a service acting up to
 * a thousand times a second) or without pause (`spin`, a CPU stress) and
 * reports the instant its answer flips. Instants are `performance.timeOrigin + performance.now()`,
 * comparable across processes of one machine.
 */
import { createAuditEmitter } from '@rtv/audit';
import { createDb } from '@rtv/db';
import { createKillSwitchService } from '@rtv/policy';
import { Redis } from 'ioredis';
import { createByteCountingRelay } from '../byte-counting-relay';

export interface ChildConfig {
  role: 'activator' | 'reader';
  databaseUrl: string;
  redisUrl: string;
  keyPrefix: string;
  pubSub: boolean;
  pollIntervalMs: number;
  /** How a reader loops over `isTripped`. */
  pacing: 'paced' | 'spin';
  switchId: string;
  context: { clientId: string; action: string };
  /** Route this instance's Redis connections through a relay that counts the bytes it reads. */
  countBytes: boolean;
}

export type ParentMessage = { type: 'flip'; trial: number; activate: boolean } | { type: 'stop' };
export type ChildMessage =
  | { type: 'ready'; tripped: boolean; bytesIn: number }
  | { type: 'flipped'; tripped: boolean; at: number; bytesIn: number }
  | { type: 'committed'; trial: number; startAt: number; commitAt: number; resolvedAt: number; changed: boolean }
  | { type: 'failed'; error: string };

const now = () => performance.timeOrigin + performance.now();
const send = (message: ChildMessage) => process.send?.(message);
const config = JSON.parse(process.env.RTV_PROPAGATION_CHILD ?? '{}') as ChildConfig;

const handle = createDb(config.databaseUrl, { max: 2 });
const relay = config.countBytes ? await createByteCountingRelay(config.redisUrl) : undefined;
const bytesIn = () => relay?.bytesIn() ?? 0;
const redis = new Redis(relay?.url ?? config.redisUrl, { maxRetriesPerRequest: 1 });
const audit = createAuditEmitter({ db: handle.db });

// The instant the COMMIT was acknowledged: the writer's transaction promise resolves right after it.
let lastCommitAt = 0;
const transaction = handle.db.transaction.bind(handle.db);
handle.db.transaction = (async (...args: Parameters<typeof transaction>) => {
  const result = await transaction(...args);
  lastCommitAt = now();
  return result;
}) as typeof handle.db.transaction;

const service = createKillSwitchService({
  db: handle.db,
  redis,
  audit,
  keyPrefix: config.keyPrefix,
  pubSub: config.pubSub,
  pollIntervalMs: config.pollIntervalMs,
  sweepIntervalMs: 0,
});

let stopping = false;
async function stop(): Promise<void> {
  stopping = true;
  await service.close();
  await audit.close();
  redis.disconnect();
  await handle.close();
  await relay?.close();
  process.exit(0);
}

async function main(): Promise<void> {
  await service.ready();
  let tripped = (await service.isTripped(config.context)).tripped;
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stop') {
      void stop();
      return;
    }
    if (config.role !== 'activator') return;
    void (async () => {
      const startAt = now();
      try {
        const result = message.activate
          ? await service.activate({ id: config.switchId, reason: 'propagation benchmark trial', activatedBy: 'bench' })
          : await service.deactivate({
              id: config.switchId,
              reason: 'propagation benchmark trial',
              deactivatedBy: 'bench',
            });
        send({
          type: 'committed',
          trial: message.trial,
          startAt,
          commitAt: lastCommitAt,
          resolvedAt: now(),
          changed: result.changed,
        });
      } catch (error) {
        send({ type: 'failed', error: String(error) });
      }
    })();
  });
  send({ type: 'ready', tripped, bytesIn: bytesIn() });
  if (config.role !== 'reader') return;
  const spin = async (): Promise<void> => {
    if (stopping) return;
    const answer = (await service.isTripped(config.context)).tripped;
    if (answer !== tripped) {
      const at = now();
      tripped = answer;
      send({ type: 'flipped', tripped: answer, at, bytesIn: bytesIn() });
    }
    if (config.pacing === 'spin') setImmediate(spin);
    else setTimeout(spin, 1);
  };
  setImmediate(spin);
}

main().catch((error) => {
  send({ type: 'failed', error: String(error) });
  process.exit(1);
});
