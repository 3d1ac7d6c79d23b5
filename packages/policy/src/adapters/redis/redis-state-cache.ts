/**
 * The shared snapshot in Redis: one hash holding the version and the
 * payload, written by a script that never replaces a newer version with an
 * older one (two writers committing close together may publish out of order).
 */
import type { Redis } from 'ioredis';
import type { SnapshotPayload } from '../../check/snapshot';
import type { StateCache } from '../../ports';

const WRITE_IF_NEWER = `
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '-1')
if current >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'payload', ARGV[2])
return 1`;

export interface RedisStateCacheOptions {
  /** Key namespace. @default 'rtv:ks:' */
  keyPrefix?: string;
}

export function createRedisStateCache(redis: Redis, options: RedisStateCacheOptions = {}): StateCache {
  const key = `${options.keyPrefix ?? 'rtv:ks:'}snapshot`;
  return {
    async read() {
      const raw = await redis.hget(key, 'payload');
      return raw === null ? undefined : (JSON.parse(raw) as SnapshotPayload);
    },
    async readVersion() {
      const raw = await redis.hget(key, 'version');
      return raw === null ? undefined : Number(raw);
    },
    async writeIfNewer(payload) {
      const stored = await redis.eval(WRITE_IF_NEWER, 1, key, String(payload.version), JSON.stringify(payload));
      return stored === 1;
    },
  };
}
