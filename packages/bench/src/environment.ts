/**
 * The servers a benchmark run measures on, and what it leaves behind: a
 * throwaway database created and migrated for the run, a Redis key prefix of
 * its own, both removed at the end; and the machine's description for the report.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { type DbHandle, createDb, migrate, rowsOf } from '@rtv/db';
import { Redis } from 'ioredis';

export const baseDatabaseUrl = (): string => process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const redisUrl = (): string => process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function databaseUrlFor(baseUrl: string, database: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export interface BenchEnvironment {
  databaseUrl: string;
  databaseName: string;
  redisUrl: string;
  keyPrefix: string;
  /** A connection pool on the run's database (for seeding and the baseline). */
  handle: DbHandle;
  redis: Redis;
  postgresVersion: string;
  redisVersion: string;
  teardown(): Promise<void>;
}

async function withAdmin<T>(run: (db: DbHandle['db']) => Promise<T>): Promise<T> {
  const admin = createDb(baseDatabaseUrl(), { max: 1 });
  try {
    return await run(admin.db);
  } finally {
    await admin.close();
  }
}

export async function createBenchEnvironment(): Promise<BenchEnvironment> {
  const suffix = randomBytes(5).toString('hex');
  const databaseName = `rtv_bench_${suffix}`;
  await withAdmin((db) => db.execute(`CREATE DATABASE "${databaseName}"`));
  const databaseUrl = databaseUrlFor(baseDatabaseUrl(), databaseName);
  const handle = createDb(databaseUrl, { max: 10 });
  await migrate(handle.db);
  const versionRows = rowsOf<{ server_version: string }>(await handle.db.execute('SHOW server_version'));
  const postgresVersion = String(versionRows[0]?.server_version ?? 'unknown');
  const redis = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
  const info = await redis.info('server');
  const redisVersion = /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown';
  const keyPrefix = `bench:${suffix}:`;
  return {
    databaseUrl,
    databaseName,
    redisUrl: redisUrl(),
    keyPrefix,
    handle,
    redis,
    postgresVersion,
    redisVersion,
    async teardown() {
      await deleteKeysWithPrefix(redis, keyPrefix);
      redis.disconnect();
      await handle.close();
      await withAdmin((db) => db.execute(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`));
    },
  };
}

/** SCAN, never KEYS: a shared Redis must not block for the benchmark's cleanup. */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

export interface MachineDescription {
  nproc: number;
  cpuModel: string;
  node: string;
  platform: string;
  totalMemoryGb: number;
  postgres: string;
  redis: string;
  loadAverageAtStart: number[];
}

export function describeMachine(env: Pick<BenchEnvironment, 'postgresVersion' | 'redisVersion'>): MachineDescription {
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {
    // nproc missing: os.cpus() is the same figure on Linux without CPU limits.
  }
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
    cpuModel = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? cpuModel;
  } catch {
    // Not Linux: keep os.cpus()'s model.
  }
  return {
    nproc,
    cpuModel,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    totalMemoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    postgres: env.postgresVersion,
    redis: env.redisVersion,
    loadAverageAtStart: loadavg().map((n) => Math.round(n * 100) / 100),
  };
}
