import type { Redis } from 'ioredis';
import type { SnapshotPayload } from '../../check/snapshot';
/**
 * The shared snapshot in Redis: one hash holding the version and the
 * payload, written by a script that never replaces a newer version with an
 * older one (two writers committing close together may publish out of order).
 */
import { StateUnavailableError } from '../../errors';
import type { StateCache } from '../../ports';
import { DEFAULT_KEY_PREFIX } from './key-prefix';

const WRITE_IF_NEWER = `
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '-1')
if current >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'payload', ARGV[2])
return 1`;

export interface RedisStateCacheOptions {
  /** Key namespace. @default 'rtv:ks:' */
  keyPrefix?: string;
}

/**
 * While the client is not connected, fail at once instead of queueing: the
 * sync path then goes to PostgreSQL, and the client's offline queue cannot
 * grow with every poll however its options are set.
 */
export function assertConnected(redis: Redis): void {
  if (redis.status !== 'ready') throw new StateUnavailableError(`Redis is not connected (status ${redis.status})`);
}

export function createRedisStateCache(redis: Redis, options: RedisStateCacheOptions = {}): StateCache {
  const key = `${options.keyPrefix ?? DEFAULT_KEY_PREFIX}snapshot`;
  return {
    async read() {
      assertConnected(redis);
      const raw = await redis.hget(key, 'payload');
      return raw === null ? undefined : (JSON.parse(raw) as SnapshotPayload);
    },
    async readVersion() {
      assertConnected(redis);
      const raw = await redis.hget(key, 'version');
      return raw === null ? undefined : Number(raw);
    },
    async writeIfNewer(payload) {
      assertConnected(redis);
      const stored = await redis.eval(WRITE_IF_NEWER, 1, key, String(payload.version), JSON.stringify(payload));
      return stored === 1;
    },
  };
}
