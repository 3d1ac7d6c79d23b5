/**
 * Public API of `@rtv/policy`: the service and its options, the ports and
 * their adapters, the auto-trip monitor and gate, incidents, the test kit.
 * Internals (the switch index, rolling counters) are not exported.
 */
export * from './errors';
export type * from './types';
export type {
  ActiveState,
  AuthorizationRequest,
  Authorizer,
  BatchOutcome,
  BatchWrite,
  ChangeBus,
  ChangeNotice,
  Clock,
  InstanceHealth,
  InstanceRecord,
  InstanceRegistry,
  Logger,
  Metrics,
  StateCache,
  StoreWriteResult,
  Subscription,
  SwitchListFilter,
  SwitchStore,
  SwitchTarget,
} from './ports';
export { noopMetrics } from './ports';
export { systemClock } from './clock';
export { silentLogger } from '@rtv/audit';
export { createKillSwitchService, type KillSwitchServiceOptions } from './service/create-service';
export type { CommonServiceOptions, DatabaseServiceOptions, PortsServiceOptions } from './service/service-options';
export {
  createRoleAuthorizer,
  AUTO_TRIP_ACTOR,
  type ActorGrant,
  type Role,
  type RoleAuthorizerOptions,
} from './authorize';
export {
  createPostgresSwitchStore,
  type PostgresSwitchStoreOptions,
} from './adapters/postgres/postgres-switch-store';
export {
  createMemorySwitchStore,
  type MemorySwitchStore,
  type MemorySwitchStoreOptions,
} from './adapters/memory/memory-switch-store';
export { createMemoryChangeBus } from './adapters/memory/memory-change-bus';
export { createMemoryStateCache, type MemoryStateCache } from './adapters/memory/memory-state-cache';
export { createRedisChangeBus, type RedisChangeBusOptions } from './adapters/redis/redis-change-bus';
export { createRedisStateCache, type RedisStateCacheOptions } from './adapters/redis/redis-state-cache';
export { DEFAULT_KEY_PREFIX } from './adapters/redis/key-prefix';
export {
  createRedisInstanceRegistry,
  type RedisInstanceRegistryOptions,
} from './adapters/redis/redis-instance-registry';
export { createMemoryInstanceRegistry } from './adapters/memory/memory-instance-registry';
export type { AwaitReceiptOptions, FleetInstance, KillSwitchFleet } from './fleet/fleet';
export type { FleetOptions } from './fleet/fleet-options';
export {
  type ConfirmedInstance,
  type FleetReceipt,
  type UnconfirmedInstance,
  describeReceipt,
} from './fleet/receipt';
export { runDrill, type DrillOptions, type DrillResult } from './fleet/drill';
export { DRILL_ACTION } from './fleet/drill-action';
export { FLEET_ACTOR, FLEET_AUDIT_TYPES } from './fleet/fleet-audit';
export { LOST_RETENTION_MS } from './fleet/instance-record';
export { CHECK_DURATION_BUCKETS_MS, CHECK_TIMING_SAMPLE } from './check/check-stats';
export type { SnapshotPayload } from './check/snapshot';
export { AUDIT_TYPES } from './write/transition-records';
export {
  createAutoTripMonitor,
  type AutoTripCounters,
  type AutoTripEvent,
  type AutoTripMonitor,
  type AutoTripMonitorOptions,
  type AutoTripStats,
} from './auto-trip/auto-trip-monitor';
export type { AutoTripAggregateThreshold, AutoTripMonitorConfig, AutoTripThreshold } from './auto-trip/config';
export {
  createExecutionGate,
  type ExecutionGate,
  type ExecutionGateOptions,
  type GateContext,
} from './auto-trip/execution-gate';
export type { AutoTripTarget, RecordedResult } from './auto-trip/target';
export type { TripDetails } from './auto-trip/trip-decision';
export * from './incidents/index';
export {
  createKillSwitchTestKit,
  type KillSwitchTestKit,
  type KillSwitchTestKitOptions,
} from './testing/kill-switch-test-kit';
export { createTestClock, type TestClock } from './testing/test-clock';
export type { StoreFaults } from './testing/faulty-store';
