/**
 * The auto-trip monitor: counts call outcomes per (target, client) in bounded ring windows and, when a
 * window crosses its threshold, activates that client's switch as `system:auto_trip` and opens an incident.
 */
import { type Logger, silentLogger } from '@rtv/audit';
import type { Redis } from 'ioredis';
import { ValidationError } from '../errors';
import type { IncidentService } from '../incidents/incident-service';
import { type Clock, type Metrics, noopMetrics, systemClock } from '../ports';
import type { KillSwitchService } from '../types';
import { type AutoTripMonitorConfig, type ResolvedAutoTripConfig, resolveConfig } from './config';
import { entryForResult } from './entry-for-result';
import { type FleetFlusher, type FleetFlusherOptions, createFleetFlusher } from './fleet-flusher';
import { KeyRegistry } from './key-registry';
import { bucketLayout, emptySums } from './rolling-counter';
import { ALL_CLIENTS, type SharedWindowStore, createSharedWindowStore } from './shared-window';
import { type RecordedResult, parseTarget, resultIssue } from './target';
import { type AutoTripEvent, createTripExecutor } from './trip-executor';
import { type WindowJudge, createWindowJudge } from './window-judge';
import { createWindowStats } from './window-stats';

export type { AutoTripEvent } from './trip-executor';

export interface AutoTripStats {
  errors: number;
  total: number;
  /** errors / total, 0 for an empty window. */
  errorRate: number;
  /** Start of the oldest bucket in the window (ms); bucket-aligned. */
  windowStart: number;
  windowEnd: number;
}

/** Plain counters, read on demand (never a metrics call per record). */
export interface AutoTripCounters {
  records: number;
  /** Records older than the window when they arrived. */
  dropped: number;
  trips: number;
  tripFailures: number;
  evictions: number;
  redisFlushes: number;
  redisFailures: number;
}

export interface AutoTripMonitorOptions {
  /** Finds or creates the switch (`ensure`) and activates it (idempotent `activate`). */
  killSwitchService: Pick<KillSwitchService, 'ensure' | 'activate'> & Partial<Pick<KillSwitchService, 'activateMany'>>;
  /** When given, every trip that changed a switch opens an incident linked to it. */
  incidents?: Pick<IncidentService, 'open'>;
  /** Trips, failed trips and Redis failures (labels: target, trigger, scope; never a client id). @default no-op */
  metrics?: Metrics;
  /** An ioredis client: fleet-wide mode, counts shared by every worker with the same `keyPrefix`. @default local mode */
  redis?: Redis;
  /** @default the system clock */
  clock?: Clock;
  /** Namespace of the fleet's Redis keys. @default 'rtv:' */
  keyPrefix?: string;
  /**
   * Failures of background work, which never throw into `recordResult`: `error(fields, message)` with
   * `operation` ('activate', 'open-incident' or 'redis-flush'), `target` and `clientId` in the fields. @default silent
   */
  logger?: Logger;
  /** Called after each activation attempt that succeeded. @default none */
  onTrip?: (event: AutoTripEvent) => void;
  config: AutoTripMonitorConfig;
}

export interface AutoTripMonitor {
  /**
   * Counts one outcome and, in `record` mode, decides at once; a trip runs in
   * the background. Synchronous (awaiting it is harmless). Throws
   * `ValidationError` naming the field on bad input, having counted nothing.
   * Targets without a configured threshold are counted (and shown by
   * `getStats`) but never trip.
   */
  recordResult(result: RecordedResult): void;
  /** This process's window for one client, or summed over every client when `clientId` is absent. */
  getStats(target: string, clientId?: string): AutoTripStats;
  /** The fleet's window from Redis (this process's own when not in fleet mode). */
  getSharedStats(target: string, clientId?: string): Promise<AutoTripStats>;
  /** One evaluation pass over every tracked key now (what the interval runs), then waits for its trips. */
  evaluate(): Promise<void>;
  /** Fleet mode: pushes pending counts and evaluates what they touched. Then waits for every trip started so far. */
  flush(): Promise<void>;
  /** Starts the timers (interval evaluation, idle sweep, fleet pushes); all `unref()`ed. */
  start(): void;
  /** Stops the timers; trips in flight finish on their own. */
  stop(): void;
  /** `stop()`, then a last `flush()`. */
  close(): Promise<void>;
  /** How many (target, client) windows are held now. */
  trackedKeys(): number;
  counters(): AutoTripCounters;
}

const zeroCounters = (): AutoTripCounters => ({
  records: 0,
  dropped: 0,
  trips: 0,
  tripFailures: 0,
  evictions: 0,
  redisFlushes: 0,
  redisFailures: 0,
});

/** Configured targets are known up front and kept: their cooldowns survive client churn. */
function registerConfiguredTargets(registry: KeyRegistry, config: ResolvedAutoTripConfig): void {
  const configured = new Set([...Object.keys(config.thresholds), ...Object.keys(config.aggregateThresholds)]);
  for (const target of configured) {
    const parsed = parseTarget(target);
    if (parsed instanceof ValidationError) throw parsed; // resolveConfig has refused it already
    registry.addTarget(parsed, config.thresholds[target], config.aggregateThresholds[target], true);
  }
}

/** Fleet mode (with Redis): the shared window store and the flusher that feeds it; neither without Redis. */
function fleetMode(
  options: AutoTripMonitorOptions,
  config: ResolvedAutoTripConfig,
  deps: Omit<FleetFlusherOptions, 'shared' | 'flushMaxRecords' | 'judgeEntry' | 'judgeTarget'> & { judge: WindowJudge },
): { shared: SharedWindowStore | undefined; fleet: FleetFlusher | undefined } {
  if (!options.redis) return { shared: undefined, fleet: undefined };
  const shared = createSharedWindowStore(options.redis, {
    keyPrefix: options.keyPrefix ?? 'rtv:',
    layout: deps.layout,
    windowMs: config.windowMs,
    timeoutMs: config.redisTimeoutMs,
  });
  const { judge, ...rest } = deps;
  const fleet = createFleetFlusher({ ...rest, ...judge, shared, flushMaxRecords: config.flushMaxRecords });
  return { shared, fleet };
}

export function createAutoTripMonitor(options: AutoTripMonitorOptions): AutoTripMonitor {
  const config: ResolvedAutoTripConfig = resolveConfig(options.config);
  const metrics = options.metrics ?? noopMetrics;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const layout = bucketLayout(config.windowMs, config.bucketCount);
  const registry = new KeyRegistry(layout, config.maxTrackedKeys);
  const counters = zeroCounters();
  const trips = createTripExecutor({
    service: options.killSwitchService,
    incidents: options.incidents,
    metrics,
    logger,
    clock,
    config,
    counters,
    onTrip: options.onTrip,
  });

  const judge = createWindowJudge(trips);
  const { judgeEntry, judgeTarget } = judge;
  const stats = createWindowStats(registry, layout, clock);
  const { shared, fleet } = fleetMode(options, config, { registry, layout, clock, metrics, logger, counters, judge });
  const evaluateOnRecord = fleet === undefined && config.evaluateOn === 'record';

  registerConfiguredTargets(registry, config);

  function recordResult(result: RecordedResult): void {
    const issue = resultIssue(result);
    if (issue) throw issue;
    const now = clock.now();
    const entry = entryForResult(registry, result, now, config.idleEvictMs);
    const targetState = entry.owner;
    const at = result.timestamp ?? now;
    const failed = !result.success;
    const latency = result.latencyMs ?? Number.NaN;
    const cost = result.costCents ?? Number.NaN;
    counters.records++;
    if (!entry.counter.record(at, now, failed, latency, cost)) {
      counters.dropped++;
      return;
    }
    targetState.aggregate.record(at, now, failed, latency, cost);
    if (fleet !== undefined) {
      fleet.add(entry, at, now, failed, latency, cost);
      return;
    }
    if (evaluateOnRecord) {
      judgeEntry(entry, undefined, now);
      judgeTarget(targetState, undefined, now);
    }
  }

  function evaluateAll(): void {
    const now = clock.now();
    for (const owner of registry.targets.values()) {
      if (owner.threshold !== undefined) for (const entry of owner.clients.values()) judgeEntry(entry, undefined, now);
      judgeTarget(owner, undefined, now);
    }
  }

  async function flush(): Promise<void> {
    await fleet?.flush();
    await trips.idle();
  }

  let timers: NodeJS.Timeout[] = [];
  function stop(): void {
    for (const timer of timers) clearInterval(timer);
    timers = [];
  }

  return {
    recordResult,
    getStats: stats.getStats,
    async getSharedStats(target, clientId) {
      if (shared === undefined) return stats.getStats(target, clientId);
      const now = clock.now();
      const [sums] = await shared.pushAndRead([], [{ target, clientId: clientId ?? ALL_CLIENTS }], now);
      return stats.toStats(sums ?? emptySums(), now);
    },
    async evaluate() {
      if (fleet !== undefined) await fleet.flush();
      else evaluateAll();
      await trips.idle();
    },
    flush,
    start() {
      if (timers.length > 0) return;
      const sweepAndEvaluate = () => {
        registry.evictIdle(clock.now() - config.idleEvictMs);
        if (fleet === undefined && config.evaluateOn === 'interval') evaluateAll();
      };
      timers.push(setInterval(sweepAndEvaluate, config.checkIntervalMs));
      if (fleet !== undefined) timers.push(setInterval(() => void fleet.flush(), config.flushIntervalMs));
      for (const timer of timers) timer.unref();
    },
    stop,
    async close() {
      stop();
      await flush();
    },
    trackedKeys: () => registry.size,
    counters: () => ({ ...counters, evictions: registry.evictions }),
  };
}
