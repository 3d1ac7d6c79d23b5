/**
 * The fleet registry in Redis: one key per instance (its JSON record, with a
 * Redis expiry past its TTL so a dead instance's record goes by itself) and
 * a sorted set of instance ids scored by when their record expires, so
 * listing needs no SCAN. One small MULTI per heartbeat.
 */
import type { Redis } from 'ioredis';
import {
  LOST_RETENTION_MS,
  MAX_LISTED_INSTANCES,
  decodeInstanceRecord,
  encodeInstanceRecord,
} from '../../fleet/instance-record';
import type { InstanceRegistry } from '../../ports';
import { DEFAULT_KEY_PREFIX } from './key-prefix';
import { assertConnected } from './redis-state-cache';

export interface RedisInstanceRegistryOptions {
  /** Key namespace, the service's own. @default 'rtv:ks:' */
  keyPrefix?: string;
}

export function createRedisInstanceRegistry(
  redis: Redis,
  options: RedisInstanceRegistryOptions = {},
): InstanceRegistry {
  const prefix = `${options.keyPrefix ?? DEFAULT_KEY_PREFIX}fleet:`;
  const members = `${prefix}members`;
  const keyOf = (instanceId: string) => `${prefix}instance:${instanceId}`;
  return {
    async put(record) {
      assertConnected(redis);
      const keepMs = Math.ceil(record.ttlMs + LOST_RETENTION_MS);
      const expiresAt = record.heartbeatAt + keepMs;
      await redis
        .multi()
        .set(keyOf(record.instanceId), encodeInstanceRecord(record), 'PX', keepMs)
        .zadd(members, expiresAt, record.instanceId)
        // Members whose records Redis has already expired: pruned by each writer, a cheap range delete.
        .zremrangebyscore(members, '-inf', record.heartbeatAt)
        .exec();
    },
    async remove(instanceId) {
      assertConnected(redis);
      await redis.multi().del(keyOf(instanceId)).zrem(members, instanceId).exec();
    },
    async list() {
      assertConnected(redis);
      const ids = await redis.zrevrange(members, 0, MAX_LISTED_INSTANCES - 1);
      if (ids.length === 0) return [];
      const raws = await redis.mget(ids.map(keyOf));
      return raws.flatMap((raw) => {
        const record = raw === null ? undefined : decodeInstanceRecord(raw);
        return record ? [record] : [];
      });
    },
  };
}
