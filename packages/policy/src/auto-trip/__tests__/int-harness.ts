/**
 * Real collaborators for the auto-trip integration tests: the kill-switch service and the incident
 * service on a database of the file's own, the Postgres audit emitter, and a manual clock for the monitors.
 */
import { type AuditEmitter, createAuditEmitter } from '@rtv/audit';
import { type KillSwitchHistoryEntry, killSwitchHistory } from '@rtv/db';
import {
  type TestDatabase,
  createTestDatabase,
  createTestRedis,
  deleteKeysWithPrefix,
  uniqueKeyPrefix,
} from '@rtv/testing';
import { asc, eq } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import { type IncidentService, createIncidentService } from '../../incidents/incident-service';
import { createKillSwitchService } from '../../service/create-service';
import type { KillSwitchService } from '../../types';
import { type AutoTripMonitor, type AutoTripMonitorOptions, createAutoTripMonitor } from '../auto-trip-monitor';
import { manualClock } from './fake-kill-switch-service';

export interface AutoTripHarness {
  database: TestDatabase;
  audit: AuditEmitter;
  service: KillSwitchService;
  incidents: IncidentService;
  redis: Redis;
  keyPrefix: string;
  /** Drives the monitors' windows and cooldowns; the service keeps real time (its staleness bound). */
  clock: ReturnType<typeof manualClock>;
  errors: unknown[];
  monitor(
    options: Omit<AutoTripMonitorOptions, 'killSwitchService'> & Partial<AutoTripMonitorOptions>,
  ): AutoTripMonitor;
  activations(switchId: string): Promise<KillSwitchHistoryEntry[]>;
  close(): Promise<void>;
}

export async function createAutoTripHarness(): Promise<AutoTripHarness> {
  const database = await createTestDatabase('postgres');
  const audit = createAuditEmitter({ db: database.db });
  const redis = createTestRedis();
  const keyPrefix = uniqueKeyPrefix();
  const service = createKillSwitchService({
    db: database.db,
    audit,
    redis,
    keyPrefix: `${keyPrefix}ks:`,
    sweepIntervalMs: 0,
  });
  await service.ready();
  const incidents = createIncidentService({ db: database.db, audit });
  const clock = manualClock(Date.now());
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
        onError: (error) => errors.push(error),
        ...options,
      });
      monitors.push(monitor);
      return monitor;
    },
    async activations(switchId) {
      const rows = await database.db
        .select()
        .from(killSwitchHistory)
        .where(eq(killSwitchHistory.killSwitchId, switchId))
        .orderBy(asc(killSwitchHistory.seq));
      return rows.filter((row) => row.action === 'activated');
    },
    async close() {
      for (const monitor of monitors) await monitor.close();
      await service.close();
      await audit.close();
      await deleteKeysWithPrefix(redis, keyPrefix);
      redis.disconnect();
      await database.close();
    },
  };
}
