/**
 * The incident lifecycle on real PostgreSQL: rows, the append-only timeline, audit records in the
 * same transaction, typed refusals.
 */
import { type AuditEmitter, createAuditEmitter, verifyAuditChain } from '@rtv/audit';
import { auditEvents, createDb, incidentEvents, incidents } from '@rtv/db';
import { type TestDatabase, createTcpProxy, createTestDatabase, viaProxy, waitFor } from '@rtv/testing';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConflictError, isNotFoundError, isStateUnavailableError, isValidationError } from '../../errors';
import { type IncidentService, createIncidentService } from '../incident-service';

let database: TestDatabase;
let audit: AuditEmitter;
let service: IncidentService;
let now = Date.UTC(2025, 0, 1, 12, 0, 0);
const clock = { now: () => now };

beforeAll(async () => {
  database = await createTestDatabase('postgres');
  audit = createAuditEmitter({ db: database.db });
  service = createIncidentService({ db: database.db, audit, clock });
});
afterAll(async () => {
  await audit?.close();
  await database?.close();
});

const base = {
  title: 'Auto-trip: platform:meta error rate 80% for client_a',
  severity: 'high' as const,
  triggerType: 'error_rate' as const,
  triggerValue: 0.8,
  threshold: 0.5,
  errorRate: 0.8,
  callsAffected: 8,
  clientId: 'client_a',
  actor: 'system:auto_trip',
};

const auditOf = (id: string) =>
  database.db.select().from(auditEvents).where(eq(auditEvents.target, id)).orderBy(auditEvents.seq);

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('IncidentService on PostgreSQL', () => {
  it('opens an incident with an inc_ id, an opened event and an INCIDENT_OPENED audit record', async () => {
    const incident = await service.open(base);
    expect(incident.id).toMatch(/^inc_/);
    expect(incident).toMatchObject({ status: 'open', errorRate: 0.8, threshold: 0.5, callsAffected: 8 });
    expect(incident.startedAt.getTime()).toBe(now);

    const full = await service.getIncident(incident.id);
    expect(full.timeline.map((e) => [e.type, e.actor])).toEqual([['opened', 'system:auto_trip']]);
    expect(full.timeline[0]?.id).toMatch(/^ine_/);
    const records = await auditOf(incident.id);
    expect(records.map((r) => [r.type, r.actor, r.clientId])).toEqual([
      ['INCIDENT_OPENED', 'system:auto_trip', 'client_a'],
    ]);
    expect(records[0]?.metadata).toMatchObject({ errorRate: 0.8, threshold: 0.5, callsAffected: 8 });
  });

  it('acknowledges, notes and resolves with a timeline in order, each audited', async () => {
    const incident = await service.open(base);
    now += 1_000;
    await service.acknowledge({ id: incident.id, actor: 'ops@example.com', notes: 'looking' });
    await service.addNote({ id: incident.id, actor: 'ops@example.com', notes: 'Meta reports an outage' });
    now += 1_000;
    const resolved = await service.resolve({ id: incident.id, actor: 'ops@example.com', notes: 'Meta recovered' });
    expect(resolved).toMatchObject({
      status: 'resolved',
      resolvedBy: 'ops@example.com',
      resolutionNotes: 'Meta recovered',
    });

    const full = await service.getIncident(incident.id);
    expect(full.acknowledgedBy).toBe('ops@example.com');
    expect(full.timeline.map((e) => e.type)).toEqual(['opened', 'acknowledged', 'note', 'resolved']);
    expect((await auditOf(incident.id)).map((r) => r.type)).toEqual([
      'INCIDENT_OPENED',
      'INCIDENT_ACKNOWLEDGED',
      'INCIDENT_NOTE_ADDED',
      'INCIDENT_RESOLVED',
    ]);
    expect((await verifyAuditChain(database.db)).ok).toBe(true);
  });

  it('refuses acknowledging twice, acknowledging a resolved incident and resolving twice (ConflictError), changing nothing', async () => {
    const incident = await service.open(base);
    await service.acknowledge({ id: incident.id, actor: 'ops_1' });
    const twice = await caught(service.acknowledge({ id: incident.id, actor: 'ops_2' }));
    expect(isConflictError(twice)).toBe(true);
    expect((twice as Error).message).toMatch(/already acknowledged by ops_1/);

    await service.resolve({ id: incident.id, actor: 'ops_1', notes: 'fixed' });
    expect(isConflictError(await caught(service.acknowledge({ id: incident.id, actor: 'ops_2' })))).toBe(true);
    const again = await caught(service.resolve({ id: incident.id, actor: 'ops_2', notes: 'fixed again' }));
    expect(isConflictError(again)).toBe(true);
    expect((again as Error).message).toMatch(/already resolved by ops_1/);

    const full = await service.getIncident(incident.id);
    expect(full.resolvedBy).toBe('ops_1');
    expect(full.timeline.map((e) => e.type)).toEqual(['opened', 'acknowledged', 'resolved']);
    expect(await auditOf(incident.id)).toHaveLength(3);
  });

  it('lets exactly one of two racing acknowledgers win', async () => {
    const incident = await service.open(base);
    const results = await Promise.allSettled([
      service.acknowledge({ id: incident.id, actor: 'ops_a' }),
      service.acknowledge({ id: incident.id, actor: 'ops_b' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(isConflictError(rejected.reason)).toBe(true);
    expect((await service.getIncident(incident.id)).timeline.filter((e) => e.type === 'acknowledged')).toHaveLength(1);
  });

  it('NotFoundError for an unknown id; ValidationError naming the field for bad input', async () => {
    expect(isNotFoundError(await caught(service.getIncident('inc_missing')))).toBe(true);
    expect(isNotFoundError(await caught(service.acknowledge({ id: 'inc_missing', actor: 'ops' })))).toBe(true);
    const bad = await caught(service.open({ ...base, severity: 'huge' as never }));
    expect(isValidationError(bad)).toBe(true);
    expect((bad as { issues: { field: string }[] }).issues[0]?.field).toBe('severity');
    const noNotes = await caught(service.resolve({ id: 'inc_x', actor: 'ops' } as never));
    expect((noNotes as { issues: { field: string }[] }).issues[0]?.field).toBe('notes');
  });

  it('rolls the incident back when its audit record cannot be written', async () => {
    const failing: AuditEmitter = {
      emit: async () => {
        throw new Error('audit store down');
      },
      close: async () => {},
    };
    const broken = createIncidentService({ db: database.db, audit: failing, clock });
    const id = 'inc_rollback_test_1';
    await expect(broken.open({ ...base, id })).rejects.toThrow('audit store down');
    expect(await database.db.select().from(incidents).where(eq(incidents.id, id))).toEqual([]);
    expect(await database.db.select().from(incidentEvents).where(eq(incidentEvents.incidentId, id))).toEqual([]);

    const open = await service.open(base);
    await expect(broken.resolve({ id: open.id, actor: 'ops', notes: 'done' })).rejects.toThrow('audit store down');
    expect((await service.getIncident(open.id)).status).toBe('open');
  });

  it('lists by status and client, newest first, and keeps the timeline append-only', async () => {
    now += 60_000;
    const other = await service.open({ ...base, clientId: 'client_list' });
    now += 1_000;
    const newer = await service.open({ ...base, clientId: 'client_list' });
    await service.resolve({ id: other.id, actor: 'ops', notes: 'done' });
    const listed = await service.listIncidents({ clientId: 'client_list' });
    expect(listed.map((i) => i.id)).toEqual([newer.id, other.id]);
    expect((await service.listIncidents({ clientId: 'client_list', status: 'open' })).map((i) => i.id)).toEqual([
      newer.id,
    ]);
    expect(await service.listIncidents({ clientId: 'client_list', limit: 1 })).toHaveLength(1);
    await expect(database.db.execute(sql`UPDATE incident_events SET notes = 'rewritten'`)).rejects.toThrow();
  });
});

describe('a hung PostgreSQL during an incident change', () => {
  it('settles by writeTimeoutMs with STATE_UNAVAILABLE, and nothing commits after the server wakes', async () => {
    const opened = await service.open({ ...base, notes: 'opened before the stall' });
    const url = new URL(database.url);
    const proxy = await createTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    const proxied = createDb(viaProxy(database.url, proxy), {
      max: 2,
      connectTimeoutSeconds: 1,
      closeTimeoutSeconds: 0.2,
    });
    const stalled = createIncidentService({ db: proxied.db, audit, clock, writeTimeoutMs: 1000 });
    try {
      await proxied.db.execute(sql`SELECT 1`);
      proxy.stall();
      const error = await caught(stalled.acknowledge({ id: opened.id, actor: 'oncall_1' }));
      expect(isStateUnavailableError(error)).toBe(true);
      expect((error as Error).message).toContain('writeTimeoutMs');
      proxy.restore();
      // Once the late session has ended, the incident is as it was.
      await waitFor(
        async () => {
          const rows = await database.db.execute(sql`SELECT count(*) AS n FROM pg_stat_activity
            WHERE datname = current_database() AND xact_start IS NOT NULL AND pid <> pg_backend_pid()`);
          return Number((rows as unknown as { n: string }[])[0]?.n) === 0;
        },
        { timeoutMs: 15_000, what: 'the late session to end' },
      );
      const [row] = await database.db.select().from(incidents).where(eq(incidents.id, opened.id));
      expect(row?.status).toBe('open');
      const events = await database.db.select().from(incidentEvents).where(eq(incidentEvents.incidentId, opened.id));
      expect(events.map((e) => e.type)).toEqual(['opened']);
    } finally {
      proxy.restore();
      await proxied.close();
      await proxy.close();
    }
  });
});
