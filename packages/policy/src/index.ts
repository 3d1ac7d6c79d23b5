export * from './errors';
export type * from './types';
export {
  systemClock,
  noopMetrics,
  type Authorizer,
  type AuthorizationRequest,
  type Clock,
  type Metrics,
} from './ports';
export * from './auto-trip/index';
export { createKillSwitchService, type KillSwitchServiceOptions } from './service/create-service';
export {
  createRoleAuthorizer,
  AUTO_TRIP_ACTOR,
  type ActorGrant,
  type Role,
  type RoleAuthorizerOptions,
} from './authorize';
export { createMemoryChangeBus } from './adapters/memory/memory-change-bus';
export { createMemoryStateCache, type MemoryStateCache } from './adapters/memory/memory-state-cache';
export { createRedisChangeBus } from './adapters/redis/redis-change-bus';
export { createRedisStateCache } from './adapters/redis/redis-state-cache';
export { createPostgresSnapshotSource } from './adapters/postgres/postgres-snapshot-source';
export { buildSwitchIndex, findBlockingSwitch, type SwitchIndex } from './check/switch-index';
export { CHECK_DURATION_BUCKETS_MS } from './check/check-stats';
export type { SnapshotPayload } from './check/snapshot';
export type { ChangeBus, SnapshotSource, StateCache } from './ports';
export * from './incidents/index';
