/**
 * The auto-trip monitor: counts call outcomes per (target, client) in bounded ring windows and, when a
 * window crosses its threshold, activates that client's switch as `system:auto_trip` and opens an incident.
 */
import type { Redis } from 'ioredis';
import { AUTO_TRIP_ACTOR } from '../authorize';
import { ValidationError } from '../errors';
import type { IncidentService } from '../incidents/incident-service';
import { type Clock, type Metrics, noopMetrics, systemClock } from '../ports';
import type { CreateSwitchInput, KillSwitchService } from '../types';
import {
  type AutoTripAggregateThreshold,
  type AutoTripMonitorConfig,
  type AutoTripThreshold,
  type ResolvedAutoTripConfig,
  resolveConfig,
} from './config';
import { type KeyEntry, KeyRegistry, type TargetState, type TripSlot } from './key-registry';
import { RollingCounter, type WindowSums, bucketLayout, emptySums } from './rolling-counter';
import { ALL_CLIENTS, type SharedPush, type SharedRead, createSharedWindowStore } from './shared-window';
import { type RecordedResult, clientIdIssue, parseTarget, resultIssue } from './target';
import {
  NO_TRIP,
  type TripDetails,
  type TripKind,
  decide,
  tripDetails,
  tripMetadata,
  tripReason,
} from './trip-decision';

export interface AutoTripStats {
  errors: number;
  total: number;
  /** errors / total, 0 for an empty window. */
  errorRate: number;
  /** Start of the oldest bucket in the window (ms); bucket-aligned. */
  windowStart: number;
  windowEnd: number;
}

/** What a trip did, for `onTrip` listeners (logs, notifications). */
export interface AutoTripEvent extends TripDetails {
  switchId: string;
  /** False when the switch was already active (another worker, an operator): no incident then. */
  changed: boolean;
  incidentId: string | null;
}

export interface AutoTripErrorContext {
  operation: 'activate' | 'open-incident' | 'redis-flush';
  target?: string;
  clientId?: string | null;
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
  killSwitchService: Pick<KillSwitchService, 'ensure' | 'activate'>;
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
  /** Failures of background work (activation, incident, Redis), which never throw into `recordResult`. @default console.error */
  onError?: (error: unknown, context: AutoTripErrorContext) => void;
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

const logError = (error: unknown, context: AutoTripErrorContext) => {
  console.error(
    `[auto-trip] ${context.operation} failed for ${context.target ?? '-'} / ${context.clientId ?? '-'}`,
    error,
  );
};

export function createAutoTripMonitor(options: AutoTripMonitorOptions): AutoTripMonitor {
  const config: ResolvedAutoTripConfig = resolveConfig(options.config);
  const service = options.killSwitchService;
  const incidents = options.incidents;
  const metrics = options.metrics ?? noopMetrics;
  const clock = options.clock ?? systemClock;
  const onError = options.onError ?? logError;
  const onTrip = options.onTrip;
  const layout = bucketLayout(config.windowMs, config.bucketCount);
  const registry = new KeyRegistry(layout, config.maxTrackedKeys);
  const shared = options.redis
    ? createSharedWindowStore(options.redis, {
        keyPrefix: options.keyPrefix ?? 'rtv:',
        layout,
        windowMs: config.windowMs,
        timeoutMs: config.redisTimeoutMs,
      })
    : undefined;
  const evaluateOnRecord = shared === undefined && config.evaluateOn === 'record';
  const scratch: WindowSums = emptySums();
  const pending = new Set<Promise<void>>();
  const counters: AutoTripCounters = {
    records: 0,
    dropped: 0,
    trips: 0,
    tripFailures: 0,
    evictions: 0,
    redisFlushes: 0,
    redisFailures: 0,
  };

  // Configured targets are known up front and kept: their cooldowns survive client churn.
  const configured = new Set([...Object.keys(config.thresholds), ...Object.keys(config.aggregateThresholds)]);
  for (const target of configured) {
    const parsed = parseTarget(target);
    if (parsed instanceof ValidationError) throw parsed; // resolveConfig has refused it already
    registry.addTarget(parsed, config.thresholds[target], config.aggregateThresholds[target], true);
  }

  // Fleet mode: what the next push carries.
  let dirtyEntries: KeyEntry[] = [];
  let dirtyTargets: TargetState[] = [];
  let pendingRecords = 0;
  let flushing: Promise<void> | undefined;
  /** The push waiting for the one in flight (not started yet): later requests join it. */
  let queued: Promise<void> | undefined;
  let timers: NodeJS.Timeout[] = [];

  function markDirty<T extends KeyEntry | TargetState>(slot: T, list: T[]) {
    if (!slot.dirty) {
      slot.dirty = true;
      list.push(slot);
    }
  }

  function recordResult(result: RecordedResult): void {
    const issue = resultIssue(result);
    if (issue) throw issue;
    const now = clock.now();
    let owner = registry.targets.get(result.target);
    let entry = owner?.clients.get(result.clientId);
    if (entry === undefined) {
      // First sight of this key: the only time its strings are checked in full.
      if (owner === undefined) {
        const parsed = parseTarget(result.target);
        if (parsed instanceof ValidationError) throw parsed;
        const clientIssue = clientIdIssue(result.clientId);
        if (clientIssue) throw clientIssue;
        owner = registry.addTarget(parsed);
      } else {
        const clientIssue = clientIdIssue(result.clientId);
        if (clientIssue) throw clientIssue;
      }
      // An idle tail goes first, so a steady trickle of new clients does not wait for the sweep.
      registry.evictIdle(now - config.idleEvictMs);
      entry = registry.insert(owner, result.clientId, now);
    } else {
      registry.touch(entry);
      entry.lastSeen = now;
    }

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

    if (shared !== undefined) {
      entry.delta ??= new RollingCounter(layout);
      entry.delta.record(at, now, failed, latency, cost);
      markDirty(entry, dirtyEntries);
      targetState.delta ??= new RollingCounter(layout);
      targetState.delta.record(at, now, failed, latency, cost);
      markDirty(targetState, dirtyTargets);
      if (++pendingRecords >= config.flushMaxRecords) void flushShared();
      return;
    }
    if (evaluateOnRecord) {
      evaluateEntry(entry, now);
      if (targetState.aggregateThreshold !== undefined) evaluateAggregate(targetState, now);
    }
  }

  function evaluateEntry(entry: KeyEntry, now: number): void {
    const threshold = entry.owner.threshold;
    if (threshold === undefined || now < entry.cooldownUntil) return;
    const kind = decide(threshold, entry.counter.sums(now, scratch));
    if (kind !== NO_TRIP) beginTrip(entry, entry.owner, kind, scratch, threshold, entry.clientId, now);
  }

  function evaluateAggregate(owner: TargetState, now: number): void {
    const threshold = owner.aggregateThreshold;
    if (threshold === undefined || now < owner.cooldownUntil) return;
    const kind = decide(threshold, owner.aggregate.sums(now, scratch));
    if (kind !== NO_TRIP) beginTrip(owner, owner, kind, scratch, threshold, null, now);
  }

  /**
   * The decision is taken synchronously and the cooldown starts now, so a
   * burst of failures yields one activation; the activation itself runs in
   * the background, chained per slot.
   */
  function beginTrip(
    slot: TripSlot,
    owner: TargetState,
    kind: TripKind,
    sums: WindowSums,
    threshold: AutoTripThreshold | AutoTripAggregateThreshold,
    clientId: string | null,
    now: number,
  ): void {
    slot.cooldownUntil = now + config.cooldownMs;
    const details = tripDetails(kind, sums, threshold, owner.parsed.target, clientId, config.windowMs);
    const previous = slot.chain ?? Promise.resolve();
    // A throwing onTrip or onError listener must not become an unhandled rejection.
    const task: Promise<void> = previous.then(() => trip(slot, owner, details, now)).catch(() => {});
    slot.chain = task;
    pending.add(task);
    void task.finally(() => {
      pending.delete(task);
      if (slot.chain === task) slot.chain = undefined;
    });
  }

  async function trip(slot: TripSlot, owner: TargetState, details: TripDetails, decidedAt: number): Promise<void> {
    const { targetType, targetValue, target } = owner.parsed;
    const clientId = details.clientId;
    const scopeLabel = clientId === null ? 'global' : 'client';
    const labels = { target, trigger: details.kind, scope: scopeLabel };
    let switchId: string;
    let changed: boolean;
    try {
      const input: CreateSwitchInput =
        clientId === null
          ? { scope: targetType, targetType, targetValue, createdBy: AUTO_TRIP_ACTOR }
          : { scope: 'client', targetType, targetValue, clientId, createdBy: AUTO_TRIP_ACTOR };
      const found = await service.ensure(input);
      const result = await service.activate({
        id: found.id,
        reason: tripReason(details),
        activatedBy: AUTO_TRIP_ACTOR,
        metadata: tripMetadata(details),
      });
      switchId = result.switch.id;
      changed = result.changed;
    } catch (error) {
      // Try again soon rather than after a whole cooldown: a failed trip leaves the client unprotected.
      slot.cooldownUntil = Math.min(slot.cooldownUntil, clock.now() + config.retryAfterMs);
      counters.tripFailures++;
      metrics.increment('auto_trip_failed_total', labels);
      onError(error, { operation: 'activate', target, clientId });
      return;
    }
    counters.trips++;
    metrics.increment('auto_trip_triggered_total', { ...labels, changed: String(changed) });

    let incidentId: string | null = null;
    // Only the trip that changed the switch opens an incident: a fleet tripping together opens one.
    if (changed && incidents !== undefined) {
      try {
        const incident = await incidents.open({
          killSwitchId: switchId,
          clientId,
          title: incidentTitle(details),
          severity: clientId === null ? 'critical' : details.kind === 'error_rate' ? 'high' : 'medium',
          triggerType: details.kind,
          triggerValue: details.observed,
          threshold: details.threshold,
          errorRate: details.errorRate,
          callsAffected: details.callsAffected,
          startedAt: new Date(decidedAt),
          actor: AUTO_TRIP_ACTOR,
          notes: tripReason(details),
          metadata: tripMetadata(details),
        });
        incidentId = incident.id;
      } catch (error) {
        metrics.increment('auto_trip_incident_failed_total', labels);
        onError(error, { operation: 'open-incident', target, clientId });
      }
    }
    onTrip?.({ ...details, switchId, changed, incidentId });
  }

  /** Fleet mode: one script call (one round trip) adds this worker's pending counts and reads back the fleet's windows. */
  async function pushShared(): Promise<void> {
    if (shared === undefined) return;
    const entries = dirtyEntries;
    const targets = dirtyTargets;
    dirtyEntries = [];
    dirtyTargets = [];
    pendingRecords = 0;
    if (entries.length === 0 && targets.length === 0) return;

    const now = clock.now();
    const pushes: SharedPush[] = [];
    for (const entry of entries) {
      if (entry.delta) pushes.push({ target: entry.owner.parsed.target, clientId: entry.clientId, delta: entry.delta });
    }
    for (const owner of targets) {
      if (owner.delta) pushes.push({ target: owner.parsed.target, clientId: ALL_CLIENTS, delta: owner.delta });
    }
    // Only slots that could trip are read back.
    const readEntries = entries.filter((e) => e.owner.threshold !== undefined && now >= e.cooldownUntil);
    const readTargets = targets.filter((t) => t.aggregateThreshold !== undefined && now >= t.cooldownUntil);
    const reads: SharedRead[] = [
      ...readEntries.map((e) => ({ target: e.owner.parsed.target, clientId: e.clientId })),
      ...readTargets.map((t) => ({ target: t.parsed.target, clientId: ALL_CLIENTS })),
    ];

    let windows: WindowSums[] | undefined;
    try {
      windows = await shared.pushAndRead(pushes, reads, now);
      counters.redisFlushes++;
    } catch (error) {
      counters.redisFailures++;
      metrics.increment('auto_trip_redis_failed_total');
      onError(error, { operation: 'redis-flush' });
    } finally {
      // Sent or lost, never sent twice: a retry could double-count a half-applied pipeline.
      for (const slot of [...entries, ...targets]) {
        slot.delta?.clear();
        slot.dirty = false;
      }
      for (const owner of targets) registry.dropIfUnused(owner);
    }

    if (windows === undefined) {
      // Redis is down: this worker's own evidence is better than none.
      for (const entry of readEntries) evaluateEntry(entry, now);
      for (const owner of readTargets) evaluateAggregate(owner, now);
      return;
    }
    const fleet = windows;
    readEntries.forEach((entry, i) => {
      const sums = fleet[i] as WindowSums;
      const threshold = entry.owner.threshold;
      if (threshold === undefined || now < entry.cooldownUntil) return;
      const kind = decide(threshold, sums);
      if (kind !== NO_TRIP) beginTrip(entry, entry.owner, kind, sums, threshold, entry.clientId, now);
    });
    readTargets.forEach((owner, i) => {
      const sums = fleet[readEntries.length + i] as WindowSums;
      const threshold = owner.aggregateThreshold;
      if (threshold === undefined || now < owner.cooldownUntil) return;
      const kind = decide(threshold, sums);
      if (kind !== NO_TRIP) beginTrip(owner, owner, kind, sums, threshold, null, now);
    });
  }

  /**
   * Pushes one after another: a push waits for the one in flight, then carries what came since. At most
   * one push waits behind the one in flight: every record past `flushMaxRecords` asks for a push, and
   * queueing one per record would fill the event loop with empty pushes while Redis answers.
   */
  function flushShared(): Promise<void> {
    if (queued !== undefined) return queued;
    // Never rejects: it runs from timers and from recordResult, where nobody could catch it.
    const next = (flushing ?? Promise.resolve())
      .then(() => {
        if (queued === next) queued = undefined;
        return pushShared();
      })
      .catch((error: unknown) => {
        onError(error, { operation: 'redis-flush' });
      });
    queued = next;
    flushing = next;
    void next.finally(() => {
      if (flushing === next) flushing = undefined;
    });
    return next;
  }

  async function idle(): Promise<void> {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  }

  function evaluateAll(): void {
    const now = clock.now();
    for (const owner of registry.targets.values()) {
      if (owner.threshold !== undefined) for (const entry of owner.clients.values()) evaluateEntry(entry, now);
      evaluateAggregate(owner, now);
    }
  }

  function statsOf(counter: RollingCounter | undefined, now: number): AutoTripStats {
    const sums = counter ? counter.sums(now, scratch) : emptySums();
    return toStats(sums, now);
  }

  function toStats(sums: WindowSums, now: number): AutoTripStats {
    const windowStart = (Math.floor(now / layout.bucketMs) - layout.bucketCount + 1) * layout.bucketMs;
    return {
      errors: sums.errors,
      total: sums.total,
      errorRate: sums.total > 0 ? sums.errors / sums.total : 0,
      windowStart,
      windowEnd: now,
    };
  }

  function getStats(target: string, clientId?: string): AutoTripStats {
    const owner = registry.targets.get(target);
    const now = clock.now();
    if (clientId === undefined) return statsOf(owner?.aggregate, now);
    return statsOf(owner?.clients.get(clientId)?.counter, now);
  }

  async function flush(): Promise<void> {
    if (shared !== undefined) await flushShared();
    await idle();
  }

  function stop(): void {
    for (const timer of timers) clearInterval(timer);
    timers = [];
  }

  return {
    recordResult,
    getStats,

    async getSharedStats(target, clientId) {
      if (shared === undefined) return getStats(target, clientId);
      const now = clock.now();
      const [sums] = await shared.pushAndRead([], [{ target, clientId: clientId ?? ALL_CLIENTS }], now);
      return toStats(sums ?? emptySums(), now);
    },

    async evaluate() {
      if (shared !== undefined) await flushShared();
      else evaluateAll();
      await idle();
    },

    flush,

    start() {
      if (timers.length > 0) return;
      const sweepAndEvaluate = () => {
        registry.evictIdle(clock.now() - config.idleEvictMs);
        if (shared === undefined && config.evaluateOn === 'interval') evaluateAll();
      };
      timers.push(setInterval(sweepAndEvaluate, config.checkIntervalMs));
      if (shared !== undefined) {
        timers.push(setInterval(() => void flushShared(), config.flushIntervalMs));
      }
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

function incidentTitle(d: TripDetails): string {
  const who = d.clientId === null ? 'all clients' : d.clientId;
  const what =
    d.kind === 'error_rate'
      ? `error rate ${Math.round(d.errorRate * 1000) / 10}%`
      : d.kind === 'latency'
        ? 'latency spike'
        : 'cost spike';
  return `Auto-trip: ${d.target} ${what} for ${who}`;
}
