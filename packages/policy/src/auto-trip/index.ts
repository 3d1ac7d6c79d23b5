/**
 * Auto-trip: bounded rolling windows of call outcomes that trip kill switches, and the execution gate.
 * The public entry of this folder: the package index re-exports it.
 */
export {
  createAutoTripMonitor,
  type AutoTripCounters,
  type AutoTripErrorContext,
  type AutoTripEvent,
  type AutoTripMonitor,
  type AutoTripMonitorOptions,
  type AutoTripStats,
} from './auto-trip-monitor';
export type { AutoTripAggregateThreshold, AutoTripMonitorConfig, AutoTripThreshold } from './config';
export { createExecutionGate, type ExecutionGate, type ExecutionGateOptions, type GateContext } from './execution-gate';
export { RollingCounter, bucketLayout, type BucketLayout, type WindowSums } from './rolling-counter';
export type { AutoTripTarget, RecordedResult } from './target';
export type { TripDetails } from './trip-decision';
