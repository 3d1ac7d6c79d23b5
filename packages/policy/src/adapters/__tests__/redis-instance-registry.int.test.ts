/** The InstanceRegistry contract on real Redis, each run in a key prefix of its own; and what a reader skips. */
import { createTestRedis, deleteKeysWithPrefix, uniqueKeyPrefix } from '@rtv/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRedisInstanceRegistry } from '../redis/redis-instance-registry';
import { instanceRecord, instanceRegistryContract } from './instance-registry.contract';

const redis = createTestRedis();
const prefixes: string[] = [];
const freshPrefix = () => {
  const prefix = uniqueKeyPrefix();
  prefixes.push(prefix);
  return prefix;
};
beforeAll(async () => {
  await redis.ping();
});
afterAll(async () => {
  for (const prefix of prefixes) await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

instanceRegistryContract('redis', async () => createRedisInstanceRegistry(redis, { keyPrefix: freshPrefix() }));

it('skips a malformed record instead of trusting it', async () => {
  const keyPrefix = freshPrefix();
  const registry = createRedisInstanceRegistry(redis, { keyPrefix });
  await registry.put(instanceRecord('ksi_good'));
  await redis.zadd(`${keyPrefix}fleet:members`, Date.now() + 60_000, 'ksi_bad');
  await redis.set(`${keyPrefix}fleet:instance:ksi_bad`, '{"instanceId":"ksi_bad","version":"lots"}');
  expect((await registry.list()).map((r) => r.instanceId)).toEqual(['ksi_good']);
});

it('gives each record a Redis expiry past its TTL, so a dead instance needs nobody to clean up', async () => {
  const keyPrefix = freshPrefix();
  await createRedisInstanceRegistry(redis, { keyPrefix }).put(instanceRecord('ksi_ttl', { ttlMs: 1000 }));
  const ttl = await redis.pttl(`${keyPrefix}fleet:instance:ksi_ttl`);
  expect(ttl).toBeGreaterThan(1000);
});
