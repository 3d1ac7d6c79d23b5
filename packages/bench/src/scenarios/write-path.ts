/**
 * The rare paths, on the real PostgreSQL and Redis: a cold instance's first
 * check (the first load from Redis, else PostgreSQL), and create, activate
 * and deactivate latency (one transaction each, then the Redis snapshot and
 * the change notice).
 */
import { createAuditEmitter } from '@rtv/audit';
import { type KillSwitchService, createKillSwitchService } from '@rtv/policy';
import type { BenchEnvironment } from '../environment';
import { type LatencySummary, median, summarize } from '../measure-ops';
import type { BenchSettings } from '../settings';
import { MISS } from './steady-state';

export interface WritePathResult {
  coldFirstCheckMs: { fromRedis: number; fromPostgres: number; repetitions: number };
  createMs: LatencySummary;
  activateMs: LatencySummary;
  deactivateMs: LatencySummary;
}

export async function benchColdStart(
  env: BenchEnvironment,
  settings: BenchSettings,
): Promise<WritePathResult['coldFirstCheckMs']> {
  const audit = createAuditEmitter({ db: env.handle.db });
  const fromRedis: number[] = [];
  const fromPostgres: number[] = [];
  for (let i = 0; i < settings.coldRepetitions; i++) {
    for (const flushed of [false, true]) {
      // Flushed: a Redis without the snapshot under this prefix (a fresh namespace), so the load goes to PostgreSQL.
      const keyPrefix = flushed ? `${env.keyPrefix}cold${i}:` : env.keyPrefix;
      const t0 = performance.now();
      const cold = createKillSwitchService({
        db: env.handle.db,
        redis: env.redis,
        audit,
        keyPrefix,
        sweepIntervalMs: 0,
      });
      await cold.isTripped(MISS);
      (flushed ? fromPostgres : fromRedis).push(performance.now() - t0);
      await cold.close();
    }
  }
  await audit.close();
  return { fromRedis: median(fromRedis), fromPostgres: median(fromPostgres), repetitions: settings.coldRepetitions };
}

export async function benchWrites(
  env: BenchEnvironment,
  settings: BenchSettings,
): Promise<Omit<WritePathResult, 'coldFirstCheckMs'>> {
  const audit = createAuditEmitter({ db: env.handle.db });
  const service: KillSwitchService = createKillSwitchService({
    db: env.handle.db,
    redis: env.redis,
    audit,
    keyPrefix: env.keyPrefix,
    sweepIntervalMs: 0,
  });
  await service.ready();
  const create: number[] = [];
  const activate: number[] = [];
  const deactivate: number[] = [];
  const ids: string[] = [];
  const run = `${Date.now().toString(36)}`;
  for (let i = 0; i < settings.writeOps; i++) {
    const t0 = performance.now();
    const sw = await service.create({
      scope: 'action',
      clientId: `writer_${run}_${i}`,
      targetType: 'action',
      targetValue: 'publish',
      createdBy: 'bench',
    });
    create.push(performance.now() - t0);
    ids.push(sw.id);
  }
  // Activate then deactivate each in turn, so both see the same table and snapshot sizes.
  for (const id of ids) {
    let t0 = performance.now();
    await service.activate({ id, reason: 'benchmark write latency', activatedBy: 'bench' });
    activate.push(performance.now() - t0);
    t0 = performance.now();
    await service.deactivate({ id, reason: 'benchmark write latency', deactivatedBy: 'bench' });
    deactivate.push(performance.now() - t0);
  }
  await service.close();
  await audit.close();
  return { createMs: summarize(create), activateMs: summarize(activate), deactivateMs: summarize(deactivate) };
}
