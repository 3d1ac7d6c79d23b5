/**
 * Wiring only: turns the options into ports and hands them to the service.
 * The ports form (`{ store, cache?, bus? }`) is taken as given; the
 * convenience form (`{ db, redis?, audit? }`) builds the Postgres store, and
 * with Redis its cache and bus, or an in-process bus without.
 */
import { createMemoryChangeBus } from '../adapters/memory/memory-change-bus';
import { createMemoryInstanceRegistry } from '../adapters/memory/memory-instance-registry';
import { createPostgresSwitchStore } from '../adapters/postgres/postgres-switch-store';
import { DEFAULT_KEY_PREFIX } from '../adapters/redis/key-prefix';
import { createRedisChangeBus } from '../adapters/redis/redis-change-bus';
import { createRedisInstanceRegistry } from '../adapters/redis/redis-instance-registry';
import { createRedisStateCache } from '../adapters/redis/redis-state-cache';
import { ValidationError } from '../errors';
import type { KillSwitchService } from '../types';
import { type ServicePorts, buildKillSwitchService } from './kill-switch-service';
import {
  type DatabaseServiceOptions,
  type KillSwitchServiceOptions,
  type ServiceSettings,
  resolveSettings,
} from './service-options';

export type { KillSwitchServiceOptions } from './service-options';

function portsFromDatabase(options: DatabaseServiceOptions, settings: ServiceSettings): ServicePorts {
  const { db, redis, keyPrefix } = options;
  const store = createPostgresSwitchStore({
    db,
    clock: settings.clock,
    writeTimeoutMs: settings.writeTimeoutMs,
    ...(options.audit === undefined ? {} : { audit: options.audit }),
  });
  if (!redis) {
    return {
      store,
      cache: undefined,
      bus: createMemoryChangeBus(db),
      registry: createMemoryInstanceRegistry(db, settings.clock),
    };
  }
  return {
    store,
    registry: createRedisInstanceRegistry(redis, { keyPrefix }),
    cache: createRedisStateCache(redis, { keyPrefix }),
    cacheNamespace: keyPrefix ?? DEFAULT_KEY_PREFIX,
    bus: createRedisChangeBus(redis, { keyPrefix, subscribe: options.pubSub ?? true }),
  };
}

/** Creates a service and starts its sync; `await service.ready()` before relying on its first answers. */
export function createKillSwitchService(options: KillSwitchServiceOptions): KillSwitchService {
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError('options must be an object with a store (or a db)', [
      { field: 'options', message: 'must be an object' },
    ]);
  }
  const settings = resolveSettings(options);
  if ('store' in options && options.store) {
    const { store, cache, bus } = options;
    const registry = options.registry ?? createMemoryInstanceRegistry(store, settings.clock);
    return buildKillSwitchService({ store, cache, bus: bus ?? createMemoryChangeBus(store), registry }, settings);
  }
  if ('db' in options && options.db) return buildKillSwitchService(portsFromDatabase(options, settings), settings);
  throw new ValidationError('options need a store (a SwitchStore) or a db (from createDb or createEmbeddedDb)', [
    { field: 'store', message: 'is required (or db)' },
  ]);
}
