/**
 * The shared snapshot in Redis: one hash holding the version, the owner
 * (the database the state came from) and the payload, written by a script
 * that never replaces a newer version with an older one (two writers
 * committing close together may publish out of order) unless asked to
 * repair, and never writes over another database's state.
 */
import type { Redis } from 'ioredis';
import { StateUnavailableError } from '../../errors';
import type { CacheWriteOutcome, StateCache } from '../../ports';
import { DEFAULT_KEY_PREFIX } from './key-prefix';

// An unreadable stored version counts as -1: a repair may overwrite it.
const WRITE = `
local owner = redis.call('HGET', KEYS[1], 'owner')
if owner and owner ~= ARGV[3] then return -1 end
if ARGV[4] ~= 'replace' then
  local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '-1') or -1
  if current >= tonumber(ARGV[1]) then return 0 end
end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'payload', ARGV[2], 'owner', ARGV[3])
return 1`;

const OUTCOMES: Record<number, CacheWriteOutcome> = { [-1]: 'foreign', 0: 'not-newer', 1: 'written' };

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
      if (raw === null) return undefined;
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        // Unreadable as JSON: the sync sees it as unreadable and repairs it from PostgreSQL.
        return raw;
      }
    },
    async readHead() {
      assertConnected(redis);
      const [version, owner] = await redis.hmget(key, 'version', 'owner');
      if (version === null) return undefined;
      const parsed = Number(version);
      // A version that is not a number is reported as ahead of everything: the sync then asks PostgreSQL.
      return {
        version: Number.isSafeInteger(parsed) ? parsed : Number.MAX_SAFE_INTEGER,
        databaseId: owner ?? null,
      };
    },
    async write(payload, mode) {
      assertConnected(redis);
      const args = [String(payload.version), JSON.stringify(payload), payload.databaseId, mode];
      const outcome = await redis.eval(WRITE, 1, key, ...args);
      return OUTCOMES[Number(outcome)] ?? 'not-newer';
    },
  };
}
