/**
 * What both fault suites share: a harness with an admin instance, clean-ups
 * run after each test, and stores reached through TCP proxies the test
 * cuts, blackholes or slows.
 */
import { type Database, createDb, killSwitches, rowsOf } from '@rtv/db';
import {
  type TcpProxy,
  createTcpProxy,
  failFastRedisOptions,
  testRedisTarget,
  testRedisUrl,
  viaProxy,
} from '@rtv/testing';
import { eq, sql } from 'drizzle-orm';
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { KillSwitchService } from '../../types';
import { type Harness, createHarness } from './harness';

type Cleanup = () => Promise<unknown> | unknown;

export interface FaultKit {
  readonly h: Harness;
  /** An instance on the direct connections, for setting state up and reading it back. */
  readonly admin: KillSwitchService;
  /** Runs after the current test, the last registered first. */
  defer(...cleanups: Cleanup[]): void;
  /** A proxy in front of the run's Redis. */
  redisProxy(): Promise<TcpProxy>;
  /** An ioredis client that never throws unhandled 'error' events. */
  redisClient(url: string, options?: RedisOptions): Redis;
  /** A fail-fast Redis client behind a proxy of its own. */
  proxiedRedis(): Promise<{ proxy: TcpProxy; redis: Redis }>;
  /** A connection pool to the file's database behind a proxy of its own. */
  proxiedDb(): Promise<{ proxy: TcpProxy; db: Database }>;
  /**
   * A foreign session locks the switch's row FOR UPDATE and waits inside its transaction (a
   * frozen writer); resolves once the lock is held, with what ends that transaction.
   */
  holdSwitchRow(id: string): Promise<{ release(): Promise<void> }>;
  /** Sessions of the file's database inside a transaction, other than the asking one. */
  openTransactions(): Promise<number>;
}

/** Registers the suite's hooks; call once at the top of a test file. */
export function useFaultKit(): FaultKit {
  let h: Harness | undefined;
  let admin: KillSwitchService | undefined;
  const cleanups: Cleanup[] = [];

  beforeAll(async () => {
    h = await createHarness();
    admin = h.service();
    await admin.ready();
  });
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()?.();
  });
  afterAll(async () => {
    await h?.close();
  });

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the fault kit is used before its beforeAll ran');
    return value;
  };

  const kit: FaultKit = {
    get h() {
      return started(h);
    },
    get admin() {
      return started(admin);
    },
    defer(...more) {
      cleanups.push(...more);
    },
    async redisProxy() {
      const proxy = await createTcpProxy(testRedisTarget());
      cleanups.push(() => proxy.close());
      return proxy;
    },
    redisClient(url, options = {}) {
      const client = new Redis(url, options);
      client.on('error', () => {});
      cleanups.push(() => client.disconnect());
      return client;
    },
    async proxiedRedis() {
      const proxy = await kit.redisProxy();
      return { proxy, redis: kit.redisClient(viaProxy(testRedisUrl(), proxy), failFastRedisOptions) };
    },
    async proxiedDb() {
      const url = new URL(kit.h.database.url);
      const proxy = await createTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
      const handle = createDb(viaProxy(kit.h.database.url, proxy), {
        max: 2,
        connectTimeoutSeconds: 1,
        closeTimeoutSeconds: 0.2,
      });
      // Restore before closing: postgres.js waits out its end() timeout on a cut connection.
      cleanups.push(async () => {
        proxy.restore();
        await handle.close();
        await proxy.close();
      });
      return { proxy, db: handle.db };
    },
    async holdSwitchRow(id) {
      const frozen = createDb(kit.h.database.url, { max: 1, idleInTransactionTimeoutMs: 60_000 });
      let release: () => void = () => {};
      const releasing = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked: () => void = () => {};
      const isLocked = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const holder = frozen.db.transaction(async (tx) => {
        await tx.select().from(killSwitches).where(eq(killSwitches.id, id)).for('update');
        locked();
        await releasing;
      });
      const end = async () => {
        release();
        await holder.catch(() => {});
      };
      cleanups.push(() => frozen.close(), end);
      await Promise.race([isLocked, holder]);
      return { release: end };
    },
    async openTransactions() {
      const rows = rowsOf<{ n: string | number }>(
        await kit.h.database.db.execute(sql`SELECT count(*) AS n FROM pg_stat_activity
          WHERE datname = current_database() AND xact_start IS NOT NULL AND pid <> pg_backend_pid()`),
      );
      return Number(rows[0]?.n ?? 0);
    },
  };
  return kit;
}
