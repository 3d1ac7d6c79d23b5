/**
 * Redis for integration tests: a client on the run's server and a key
 * prefix of its own, so test files never see each other's keys or channels.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { customAlphabet } from 'nanoid';
import { inject } from 'vitest';

const shortId = customAlphabet('abcdefghijklmnopqrstuvwxyz0123456789', 10);

export function testRedisUrl(): string {
  return inject('redisUrl');
}

/** A unique namespace for keys and channels, e.g. `t:k3j4h5g6f7:`. */
export function uniqueKeyPrefix(): string {
  return `t:${shortId()}:`;
}

export function createTestRedis(options: RedisOptions = {}): Redis {
  return new Redis(testRedisUrl(), { maxRetriesPerRequest: 1, ...options });
}

/** Removes every key under a prefix (SCAN, never KEYS). */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/** Client options that fail fast while the server is cut: no offline queue, one retry, short reconnect steps. */
export const failFastRedisOptions: RedisOptions = {
  maxRetriesPerRequest: 1,
  enableOfflineQueue: false,
  connectTimeout: 500,
  retryStrategy: () => 100,
};

/** Host and port of the run's Redis, for a fault proxy in front of it. */
export function testRedisTarget(): { host: string; port: number } {
  const url = new URL(testRedisUrl());
  return { host: url.hostname, port: Number(url.port || 6379) };
}
