/**
 * The kill-switch service composed from its parts, on ports only: the check
 * path (checker), the write path (commands), the sync path (snapshot sync),
 * reads, health and the lifecycle that ties them together.
 */
import { errorFields } from '@rtv/audit';
import { CHECK_DURATION_BUCKETS_MS } from '../check/check-stats';
import { createChecker } from '../check/checker';
import { startTimer } from '../clock';
import { StateUnavailableError } from '../errors';
import { executeDrill } from '../fleet/drill';
import { createFleetPart } from '../fleet/fleet';
import { withReceipts } from '../fleet/with-receipts';
import { createHealthCheck } from '../health';
import type { ChangeBus, InstanceRegistry, StateCache, SwitchStore } from '../ports';
import { asStoreError } from '../store-errors';
import { type SnapshotSync, createSnapshotSync } from '../sync/snapshot-sync';
import type { CheckStats, KillSwitchService } from '../types';
import { createSwitchCommands } from '../write/switch-commands';
import type { ServiceSettings } from './service-options';
import { createSwitchReads } from './switch-reads';

export interface ServicePorts {
  store: SwitchStore;
  cache: StateCache | undefined;
  bus: ChangeBus;
  /** Names the cache's namespace in messages (the Redis key prefix). @default 'of the cache' */
  cacheNamespace?: string;
  /** Where instances register and heartbeat. */
  registry: InstanceRegistry;
}

export function buildKillSwitchService(ports: ServicePorts, settings: ServiceSettings): KillSwitchService {
  const { store, cache, bus } = ports;
  const { clock, logger } = settings;
  const cacheNamespace = ports.cacheNamespace ?? 'of the cache';
  const fleet = createFleetPart({ ...settings, registry: ports.registry, store });
  const sync = createSnapshotSync({
    ...settings,
    source: store,
    cache,
    bus: fleet.commitTimes.wrap(bus),
    cacheNamespace,
    onApplied: fleet.applied,
  });
  const checker = createChecker({ ...settings, sync });
  let closed = false;
  const assertOpen = () => {
    if (closed) throw new StateUnavailableError('The kill-switch service is closed; create a new one to act.');
  };
  // The commit time is taken before publishing, so the notice announcing it can carry it.
  const publish: SnapshotSync['publish'] = (commit) => {
    fleet.commitTimes.committed(clock.now());
    return sync.publish(commit);
  };
  const inner = createSwitchCommands({ ...settings, store, sync: { publish }, assertOpen });
  const commands = withReceipts(inner, fleet);
  const reads = createSwitchReads(store, clock, assertOpen);
  const health = createHealthCheck({ ...settings, store, cache, sync, isClosed: () => closed });

  fleet.start(sync);
  const started = sync.start().catch((error) => logger.error(errorFields(error), 'kill-switch sync failed to start'));
  let cancelSweep: (() => void) | undefined;
  const scheduleSweep = () => {
    if (closed || settings.sweepIntervalMs <= 0) return;
    cancelSweep = startTimer(
      clock,
      () => {
        void commands
          .sweepExpired()
          .catch((error) => logger.warn({ ...errorFields(error), during: 'sweep' }, 'kill-switch expiry sweep failed'))
          .finally(scheduleSweep);
      },
      settings.sweepIntervalMs,
    );
  };
  scheduleSweep();

  function checkStats(): CheckStats {
    const counters = checker.counters;
    const index = sync.current?.index;
    return {
      checks: counters.checks,
      tripped: counters.tripped,
      failedClosed: counters.failedClosed,
      durationBucketsMs: CHECK_DURATION_BUCKETS_MS,
      durationCounts: counters.cumulative(),
      durationSumMs: counters.durationSumMs,
      sampledChecks: counters.sampled,
      snapshotVersion: sync.current?.version ?? -1,
      snapshotAgeMs: Math.max(0, clock.now() - sync.confirmedAt),
      activeByScope: index?.activeByScope ?? { global: 0, client: 0, platform: 0, action: 0 },
    };
  }

  return {
    isTripped: checker.isTripped,
    check: checker.check,
    ...commands,
    ...reads,
    async invalidateCache() {
      assertOpen();
      try {
        await sync.reload();
      } catch (error) {
        throw asStoreError(error, 'reloading the kill-switch state');
      }
    },
    health,
    checkStats,
    fleet: {
      get instanceId() {
        return fleet.member?.instanceId;
      },
      instances: fleet.instances,
      awaitReceipt: fleet.awaitReceipt,
      drill: (options) => executeDrill({ ...settings, commands: inner, afterWrite: fleet.afterWrite, store }, options),
    },
    async ready() {
      await started;
      if (closed) throw new StateUnavailableError('The kill-switch service is closed.');
      if (sync.current) return;
      await new Promise<void>((resolve) => {
        const cancel = startTimer(clock, resolve, settings.startupTimeoutMs);
        void sync.ready.then(() => {
          cancel();
          resolve();
        });
      });
      if (!sync.current) {
        const cause = sync.postgres.error ?? sync.redis?.error ?? 'no answer';
        throw new StateUnavailableError(
          `Kill-switch state could not be loaded within ${settings.startupTimeoutMs} ms (startupTimeoutMs): ${cause}`,
        );
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      checker.close();
      cancelSweep?.();
      await started;
      await fleet.stop();
      await sync.stop();
    },
  };
}
