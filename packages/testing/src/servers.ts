/**
 * Finds the PostgreSQL and Redis servers the integration suites run on:
 * DATABASE_URL / REDIS_URL, else the local defaults. Starts a throwaway
 * redis-server when none answers and one is installed. With CI=true nothing
 * falls back silently: both real servers are required.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import postgres from 'postgres';

export const defaultDatabaseUrl = 'postgres://postgres@127.0.0.1:5432/test';
export const defaultRedisUrl = 'redis://127.0.0.1:6379';

const startHint =
  'Start the servers with `docker compose up -d` (or your system services), or set DATABASE_URL and REDIS_URL.';

export async function postgresAnswers(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

export async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A redis-server of our own on a free port, for machines without one running. */
async function startRedis(): Promise<{ url: string; process: ChildProcess } | undefined> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return undefined;
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await redisAnswers(url)) return { url, process: child };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  return undefined;
}

export interface DiscoveredServers {
  /** Empty when no PostgreSQL answers (the DB suites then run on PGlite only). */
  databaseUrl: string;
  redisUrl: string;
  stop(): Promise<void>;
}

export async function discoverServers(): Promise<DiscoveredServers> {
  const ci = process.env.CI === 'true';
  const databaseUrl = process.env.DATABASE_URL ?? defaultDatabaseUrl;
  const redisUrl = process.env.REDIS_URL ?? defaultRedisUrl;

  const pgUp = await postgresAnswers(databaseUrl);
  if (!pgUp && ci) throw new Error(`PostgreSQL did not answer at ${databaseUrl}. ${startHint}`);
  if (!pgUp) {
    console.warn(`[test] PostgreSQL did not answer at ${databaseUrl}: DB suites run on PGlite only.`);
  }

  let startedRedis: ChildProcess | undefined;
  let effectiveRedisUrl = redisUrl;
  if (!(await redisAnswers(redisUrl))) {
    if (ci) throw new Error(`Redis did not answer at ${redisUrl}. ${startHint}`);
    const started = await startRedis();
    if (!started)
      throw new Error(`Redis did not answer at ${redisUrl} and redis-server is not installed. ${startHint}`);
    console.warn(`[test] Redis did not answer at ${redisUrl}: started one at ${started.url} for this run.`);
    startedRedis = started.process;
    effectiveRedisUrl = started.url;
  }

  return {
    databaseUrl: pgUp ? databaseUrl : '',
    redisUrl: effectiveRedisUrl,
    async stop() {
      startedRedis?.kill();
    },
  };
}
