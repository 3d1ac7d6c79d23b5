/**
 * Fleet mode: what this worker counted since the last push goes to Redis in
 * ONE script call, which also reads back the fleet's windows for the slots
 * that could trip. Pushes run one after another, at most one waiting.
 */
import { type Logger, errorFields } from '@rtv/audit';
import type { Clock, Metrics } from '../ports';
import type { KeyEntry, KeyRegistry, TargetState } from './key-registry';
import { type BucketLayout, RollingCounter, type WindowSums } from './rolling-counter';
import { ALL_CLIENTS, type SharedPush, type SharedRead, type SharedWindowStore } from './shared-window';

export interface FleetFlusherOptions {
  shared: SharedWindowStore;
  registry: KeyRegistry;
  layout: BucketLayout;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
  flushMaxRecords: number;
  counters: { redisFlushes: number; redisFailures: number };
  /** Decide on a slot with these sums (the fleet's, or this worker's own when Redis is down). */
  judgeEntry(entry: KeyEntry, sums: WindowSums | undefined, now: number): void;
  judgeTarget(owner: TargetState, sums: WindowSums | undefined, now: number): void;
}

export interface FleetFlusher {
  /** Adds one outcome to what the next push carries; pushes when `flushMaxRecords` are waiting. */
  add(entry: KeyEntry, at: number, now: number, failed: boolean, latency: number, cost: number): void;
  /** Pushes now (after the push in flight); never rejects. */
  flush(): Promise<void>;
}

export function createFleetFlusher(options: FleetFlusherOptions): FleetFlusher {
  const { shared, registry, layout, clock, metrics, logger } = options;
  let dirtyEntries: KeyEntry[] = [];
  let dirtyTargets: TargetState[] = [];
  let pendingRecords = 0;
  let flushing: Promise<void> | undefined;
  /** The push waiting for the one in flight (not started yet): later requests join it. */
  let queued: Promise<void> | undefined;

  function markDirty<T extends KeyEntry | TargetState>(slot: T, list: T[]) {
    if (!slot.dirty) {
      slot.dirty = true;
      list.push(slot);
    }
  }

  async function push(): Promise<void> {
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
      options.counters.redisFlushes++;
    } catch (error) {
      options.counters.redisFailures++;
      metrics.increment('auto_trip_redis_failed_total');
      logger.error({ ...errorFields(error), operation: 'redis-flush' }, 'auto-trip: the fleet push to Redis failed');
    } finally {
      // Sent or lost, never sent twice: a retry could double-count a half-applied pipeline.
      for (const slot of [...entries, ...targets]) {
        slot.delta?.clear();
        slot.dirty = false;
      }
      for (const owner of targets) registry.dropIfUnused(owner);
    }
    // Redis down (windows undefined): this worker's own evidence is better than none.
    readEntries.forEach((entry, i) => options.judgeEntry(entry, windows?.[i], now));
    readTargets.forEach((owner, i) => options.judgeTarget(owner, windows?.[readEntries.length + i], now));
  }

  /**
   * A push waits for the one in flight, then carries what came since. At most one push waits: every
   * record past `flushMaxRecords` asks for one, and queueing one per record would flood the event loop.
   */
  function flush(): Promise<void> {
    if (queued !== undefined) return queued;
    // Never rejects: it runs from timers and from recordResult, where nobody could catch it.
    const next = (flushing ?? Promise.resolve())
      .then(() => {
        if (queued === next) queued = undefined;
        return push();
      })
      .catch((error: unknown) => {
        logger.error({ ...errorFields(error), operation: 'redis-flush' }, 'auto-trip: the fleet push failed');
      });
    queued = next;
    flushing = next;
    void next.finally(() => {
      if (flushing === next) flushing = undefined;
    });
    return next;
  }

  return {
    add(entry, at, now, failed, latency, cost) {
      const owner = entry.owner;
      entry.delta ??= new RollingCounter(layout);
      entry.delta.record(at, now, failed, latency, cost);
      markDirty(entry, dirtyEntries);
      owner.delta ??= new RollingCounter(layout);
      owner.delta.record(at, now, failed, latency, cost);
      markDirty(owner, dirtyTargets);
      if (++pendingRecords >= options.flushMaxRecords) void flush();
    },
    flush,
  };
}
