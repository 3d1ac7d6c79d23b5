/** The StateCache and ChangeBus contracts on real Redis, each run in a key prefix of its own. */
import { createTestRedis, deleteKeysWithPrefix, uniqueKeyPrefix } from '@rtv/testing';
import { afterAll, beforeAll } from 'vitest';
import { createRedisChangeBus } from '../redis/redis-change-bus';
import { createRedisStateCache } from '../redis/redis-state-cache';
import { changeBusContract, stateCacheContract } from './state-cache.contract';

const redis = createTestRedis();
const prefixes: string[] = [];
beforeAll(async () => {
  // The adapters fail fast while the client is not connected: start connected.
  await redis.ping();
});
afterAll(async () => {
  for (const prefix of prefixes) await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

stateCacheContract('redis', async () => {
  const keyPrefix = uniqueKeyPrefix();
  prefixes.push(keyPrefix);
  return { cache: createRedisStateCache(redis, { keyPrefix }), close: async () => {} };
});

changeBusContract('redis', (namespace) => createRedisChangeBus(redis, { keyPrefix: `${namespace}:` }));
