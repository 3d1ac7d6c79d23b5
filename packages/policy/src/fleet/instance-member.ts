/**
 * This instance in the fleet registry: registers at start, heartbeats every
 * few seconds, and writes its record soon after it applies a version (the
 * acknowledgement a receipt collector waits for). Never on the check path:
 * the state it reports is read from plain fields, and writes go single
 * flight in the background; a failed write is reported and retried by the
 * next heartbeat. Nor on the apply path: at a stop every instance applies
 * the same notice at the same moment, and this write (a Redis MULTI) was the
 * largest part of that work in each, so it starts ACK_DELAY_MS later, after
 * the checks of that moment have seen the change (the first, the start-up
 * load, at once); versions applied meanwhile share one write carrying the
 * latest. Receipts report the apply time, not the write's.
 */
import { hostname } from 'node:os';
import { type Logger, errorFields } from '@rtv/audit';
import { withDeadline } from '@rtv/db';
import { nanoid } from 'nanoid';
import type { Snapshot } from '../check/snapshot';
import { startTimer } from '../clock';
import type { Clock, InstanceHealth, InstanceRecord, InstanceRegistry, Metrics } from '../ports';
import type { SnapshotSync } from '../sync/snapshot-sync';
import type { CommitTimes } from './commit-times';
import { LIBRARY_VERSION } from './library-version';

export interface InstanceMemberOptions {
  registry: InstanceRegistry;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
  commitTimes: CommitTimes;
  serviceName: string;
  heartbeatIntervalMs: number;
  instanceTtlMs: number;
  failOpen: boolean;
  /** Bound on each registry call. */
  operationTimeoutMs: number;
}

export interface InstanceMember {
  readonly instanceId: string;
  /** Connects the member to the sync it reports on (the sync is built after the member, with its hook). */
  start(sync: Pick<SnapshotSync, 'stale' | 'confirmedAt' | 'postgres' | 'redis'>): void;
  /** The sync's hook: a version was applied. */
  applied(snapshot: Snapshot): void;
  /** The last version this instance applied, and when (its own knowledge, ahead of its registry record). */
  lastApplied(): { version: number; at: number } | undefined;
  /** Stops heartbeating and leaves the registry (bounded). */
  stop(): Promise<void>;
}

/** How long an acknowledgement waits after its apply (see above); receipts poll every 20 ms. */
export const ACK_DELAY_MS = 10;

export function createInstanceMember(options: InstanceMemberOptions): InstanceMember {
  const { registry, clock, metrics, logger } = options;
  const instanceId = `ksi_${nanoid(12)}`;
  const startedAt = clock.now();
  let sync: Pick<SnapshotSync, 'stale' | 'confirmedAt' | 'postgres' | 'redis'> | undefined;
  let applied: { version: number; databaseId: string; at: number; lagMs: number | null } | undefined;
  let stopped = false;
  let cancelBeat: (() => void) | undefined;
  let inFlight: Promise<void> | undefined;
  let again = false;
  let cancelAck: (() => void) | undefined;

  const health = (): InstanceHealth => {
    if (!sync || sync.stale) return 'stale';
    return sync.postgres.ok && (sync.redis?.ok ?? true) ? 'ok' : 'degraded';
  };

  const record = (): InstanceRecord => {
    const now = clock.now();
    return {
      instanceId,
      serviceName: options.serviceName,
      host: hostname(),
      pid: process.pid,
      libraryVersion: LIBRARY_VERSION,
      startedAt,
      databaseId: applied?.databaseId ?? null,
      version: applied?.version ?? -1,
      appliedAt: applied?.at ?? null,
      lagMs: applied?.lagMs ?? null,
      snapshotAgeMs: sync ? Math.max(0, now - sync.confirmedAt) : 0,
      failMode: options.failOpen ? 'open' : 'closed',
      health: health(),
      heartbeatAt: now,
      ttlMs: options.instanceTtlMs,
    };
  };

  /** Single flight with one trailing write: the record written last is always the newest state. */
  function write(): Promise<void> {
    if (inFlight) {
      again = true;
      return inFlight;
    }
    inFlight = (async () => {
      do {
        again = false;
        if (stopped) return;
        try {
          await withDeadline(registry.put(record()), options.operationTimeoutMs, 'fleet heartbeat');
        } catch (error) {
          metrics.increment('kill_switch_fleet_heartbeat_errors_total');
          logger.warn({ ...errorFields(error), during: 'heartbeat' }, 'kill-switch fleet heartbeat failed');
        }
      } while (again && !stopped);
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  /**
   * The acknowledgement of an applied version, deferred so the registry call (the record, a
   * Redis MULTI) never runs inside the swap; versions applied before it runs share it, and one
   * applied while a write is in flight gets the trailing write, so the newest is always written.
   */
  function acknowledgeSoon(first: boolean): void {
    if (cancelAck !== undefined || stopped) return;
    const acknowledge = () => {
      cancelAck = undefined;
      void write();
    };
    // The first apply is the start-up load, not a fleet-wide stop: the registry shows it on the next turn.
    if (first) {
      const immediate = setImmediate(acknowledge);
      cancelAck = () => clearImmediate(immediate);
      return;
    }
    // Real time: this paces a transport, and must not wait on a test clock nobody moves.
    const timer = setTimeout(acknowledge, ACK_DELAY_MS);
    timer.unref?.();
    cancelAck = () => clearTimeout(timer);
  }

  function scheduleBeat(): void {
    if (stopped) return;
    cancelBeat = startTimer(clock, () => void write().finally(scheduleBeat), options.heartbeatIntervalMs);
  }

  return {
    instanceId,
    start(followed) {
      sync = followed;
      void write();
      scheduleBeat();
    },
    applied(snapshot) {
      const at = clock.now();
      const committedAt = options.commitTimes.of(snapshot.version);
      const lagMs = committedAt === undefined ? null : Math.max(0, at - committedAt);
      const first = applied === undefined;
      applied = { version: snapshot.version, databaseId: snapshot.databaseId, at, lagMs };
      if (lagMs !== null) metrics.observe('kill_switch_apply_lag_seconds', lagMs / 1000);
      if (sync) acknowledgeSoon(first);
    },
    lastApplied: () => (applied ? { version: applied.version, at: applied.at } : undefined),
    async stop() {
      stopped = true;
      cancelBeat?.();
      cancelAck?.();
      cancelAck = undefined;
      await inFlight;
      try {
        await withDeadline(registry.remove(instanceId), options.operationTimeoutMs, 'fleet deregister');
      } catch (error) {
        // The record expires by its TTL anyway: the instance shows as lost, then goes.
        logger.warn({ ...errorFields(error), during: 'deregister' }, 'kill-switch fleet deregistration failed');
      }
    },
  };
}
