/**
 * FOR COMPARISON ONLY: the specification's reference `isTripped` (section 2.3,
 * "Create Kill Switch Service"), reproduced so the benchmark can run it on the
 * same Redis and PostgreSQL as ours. Not used by any service.
 *
 * Kept as the specification wrote it: up to eight sequential Redis GETs of
 * per-target keys in priority order; on a miss, one PostgreSQL query for the
 * active switches of every client and of this client; a hit is cached per key
 * with `SETEX` and a 60 s TTL; a check that finds nothing is never cached
 * (the specification caches only tripped switches), so every "not tripped"
 * answer costs eight GETs and a query. One deviation, for correctness only:
 * the fallback matches a row on its coordinates (client, target type and
 * value, platform) instead of switching on `scope`, which in the
 * specification ignores the `platform` and `action` scopes; the cost of a
 * check is the same.
 */
import type { Database, KillSwitch } from '@rtv/db';
import type { Redis } from 'ioredis';

const CACHE_TTL_SECONDS = 60;

export interface ReferenceCheckContext {
  clientId: string;
  action: string;
  platform?: string;
}

export interface ReferenceCheckResult {
  tripped: boolean;
  switch: {
    id: string;
    scope: string;
    targetType: string;
    targetValue: string;
    clientId: string | null;
    reason: string | null;
    activatedAt: Date | null;
    activatedBy: string | null;
  } | null;
  reason: string | null;
  checkDurationMs: number;
}

export interface ReferenceKillSwitch {
  isTripped(context: ReferenceCheckContext): Promise<ReferenceCheckResult>;
}

/** `keyPrefix` stands in front of the specification's `kill_switch:` so a run keeps its keys apart. */
export function createReferenceKillSwitch(deps: {
  db: Database;
  redis: Redis;
  keyPrefix: string;
}): ReferenceKillSwitch {
  const { db, redis } = deps;
  const CACHE_PREFIX = `${deps.keyPrefix}kill_switch:`;

  function buildCacheKeys(context: ReferenceCheckContext): string[] {
    const keys: string[] = [];
    keys.push(`${CACHE_PREFIX}global:all:*`);
    keys.push(`${CACHE_PREFIX}client:${context.clientId}:all:*`);
    if (context.platform) keys.push(`${CACHE_PREFIX}global:platform:${context.platform}`);
    if (context.platform) keys.push(`${CACHE_PREFIX}client:${context.clientId}:platform:${context.platform}`);
    keys.push(`${CACHE_PREFIX}global:action:${context.action}`);
    keys.push(`${CACHE_PREFIX}client:${context.clientId}:action:${context.action}`);
    if (context.platform) {
      keys.push(`${CACHE_PREFIX}global:action:${context.action}:${context.platform}`);
      keys.push(`${CACHE_PREFIX}client:${context.clientId}:action:${context.action}:${context.platform}`);
    }
    return keys;
  }

  function buildSwitchCacheKey(sw: KillSwitch): string {
    const clientPart = sw.clientId ? `client:${sw.clientId}` : 'global';
    const platformPart = sw.platform ? `:${sw.platform}` : '';
    return `${CACHE_PREFIX}${clientPart}:${sw.targetType}:${sw.targetValue}${platformPart}`;
  }

  async function checkCache(key: string): Promise<KillSwitch | null> {
    const cached = await redis.get(key);
    if (cached) {
      const sw = JSON.parse(cached);
      if (sw.isActive) {
        return {
          ...sw,
          activatedAt: sw.activatedAt ? new Date(sw.activatedAt) : null,
          createdAt: new Date(sw.createdAt),
          updatedAt: new Date(sw.updatedAt),
        };
      }
    }
    return null;
  }

  async function cacheSwitch(sw: KillSwitch): Promise<void> {
    await redis.setex(buildSwitchCacheKey(sw), CACHE_TTL_SECONDS, JSON.stringify(sw));
  }

  const summary = (sw: KillSwitch) => ({
    id: sw.id,
    scope: sw.scope,
    targetType: sw.targetType,
    targetValue: sw.targetValue,
    clientId: sw.clientId,
    reason: sw.reason,
    activatedAt: sw.activatedAt,
    activatedBy: sw.activatedBy,
  });

  function matches(sw: KillSwitch, context: ReferenceCheckContext): boolean {
    if (sw.clientId !== null && sw.clientId !== context.clientId) return false;
    if (sw.targetType === 'all') return true;
    if (sw.targetType === 'platform') return sw.targetValue === context.platform;
    return sw.targetValue === context.action && (!sw.platform || sw.platform === context.platform);
  }

  return {
    async isTripped(context) {
      const startTime = Date.now();
      for (const key of buildCacheKeys(context)) {
        const cached = await checkCache(key);
        if (cached) {
          return {
            tripped: true,
            switch: summary(cached),
            reason: cached.reason,
            checkDurationMs: Date.now() - startTime,
          };
        }
      }
      // Cache miss: the same query as the specification's (active, global or this client).
      const activeSwitches = await db.query.killSwitches.findMany({
        where: (t, { and, eq, isNull, or }) =>
          and(eq(t.isActive, true), or(isNull(t.clientId), eq(t.clientId, context.clientId))),
      });
      for (const sw of activeSwitches) {
        if (matches(sw, context)) {
          await cacheSwitch(sw);
          return { tripped: true, switch: summary(sw), reason: sw.reason, checkDurationMs: Date.now() - startTime };
        }
      }
      return { tripped: false, switch: null, reason: null, checkDurationMs: Date.now() - startTime };
    },
  };
}
