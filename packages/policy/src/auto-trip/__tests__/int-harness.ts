/**
 * Real collaborators for the auto-trip integration tests: the kill-switch service and the incident
 * service on a database of the file's own, the Postgres audit emitter, and a manual clock for the monitors.
 */
import { silentLogger } from '@rtv/audit';
import type { AuditEmitter } from '@rtv/audit';
import type { KillSwitchHistoryEntry } from '@rtv/db';
import type { TestDatabase } from '@rtv/testing';
import type { Redis } from 'ioredis';
import { type IncidentService, createIncidentService } from '../../incidents/incident-service';
import { createHarness } from '../../service/__tests__/harness';
import { createTestClock } from '../../testing/test-clock';
import type { KillSwitchService } from '../../types';
import { type AutoTripMonitor, type AutoTripMonitorOptions, createAutoTripMonitor } from '../auto-trip-monitor';

export interface AutoTripHarness {
  database: TestDatabase;
  audit: AuditEmitter;
  service: KillSwitchService;
  incidents: IncidentService;
  redis: Redis;
  keyPrefix: string;
  /** Drives the monitors' windows and cooldowns; the service keeps real time (its staleness bound). */
  clock: ReturnType<typeof createTestClock>;
  errors: unknown[];
  monitor(
    options: Omit<AutoTripMonitorOptions, 'killSwitchService'> & Partial<AutoTripMonitorOptions>,
  ): AutoTripMonitor;
  activations(switchId: string): Promise<KillSwitchHistoryEntry[]>;
  close(): Promise<void>;
}

export async function createAutoTripHarness(): Promise<AutoTripHarness> {
  const base = await createHarness();
  const { database, audit, redis, keyPrefix } = base;
  // The switches' keys under a sub-prefix, the monitors' fleet keys beside them: both deleted by base.close().
  const service = base.service({ keyPrefix: `${keyPrefix}ks:` });
  await service.ready();
  const incidents = createIncidentService({ db: database.db, audit });
  const clock = createTestClock(Date.now());
  const errors: unknown[] = [];
  const monitors: AutoTripMonitor[] = [];
  return {
    database,
    audit,
    service,
    incidents,
    redis,
    keyPrefix,
    clock,
    errors,
    monitor(options) {
      const monitor = createAutoTripMonitor({
        killSwitchService: service,
        incidents,
        clock,
        logger: { ...silentLogger, error: (fields) => errors.push(fields) },
        ...options,
      });
      monitors.push(monitor);
      return monitor;
    },
    async activations(switchId) {
      return (await base.historyFor(switchId)).filter((row) => row.action === 'activated');
    },
    async close() {
      for (const monitor of monitors) await monitor.close();
      await base.close();
    },
  };
}
