/**
 * The specification's auto-trip scenarios against the real kill-switch service on PostgreSQL:
 * every assertion reads the switch state (getById, listActive, isTripped), history and incidents back.
 */
import { auditEvents, killSwitches } from '@rtv/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AutoTripMonitorConfig } from '../config';
import { type AutoTripHarness, createAutoTripHarness } from './int-harness';

let h: AutoTripHarness;
beforeAll(async () => {
  h = await createAutoTripHarness();
});
afterAll(async () => {
  await h?.close();
});

const config: AutoTripMonitorConfig = {
  windowMs: 60_000,
  checkIntervalMs: 10_000,
  thresholds: {
    'platform:meta': { errorRate: 0.5, minSamples: 10 },
    'platform:tiktok': { errorRate: 0.3, minSamples: 5 },
    'action:publish': { errorRate: 0.25, minSamples: 20 },
  },
};

function record(
  monitor: { recordResult: (r: never) => void },
  n: number,
  success: boolean,
  clientId: string,
  target = 'platform:meta',
) {
  for (let i = 0; i < n; i++) monitor.recordResult({ target, success, clientId } as never);
}

const switchesOf = (clientId: string) =>
  h.database.db.select().from(killSwitches).where(eq(killSwitches.clientId, clientId));
const checkMeta = (clientId: string) => h.service.isTripped({ clientId, action: 'publish', platform: 'meta' });

describe('auto-trip on PostgreSQL: error rate tracking', () => {
  it('tracks errors per target and expires old samples', async () => {
    const monitor = h.monitor({ config });
    record(monitor, 1, false, 'stats_a');
    record(monitor, 1, true, 'stats_a');
    expect(monitor.getStats('platform:meta')).toMatchObject({ errors: 1, total: 2, errorRate: 0.5 });
    h.clock.advance(61_000);
    expect(monitor.getStats('platform:meta').total).toBe(0);
  });
});

describe.each(['record', 'interval'] as const)('auto-trip on PostgreSQL (evaluateOn %s)', (mode) => {
  const make = () => h.monitor({ config: { ...config, evaluateOn: mode } });
  const settle = async (monitor: { evaluate(): Promise<void> }) => {
    h.clock.advance(10_000);
    await monitor.evaluate();
  };

  it('trips the client switch over the threshold, with the figures in history, audit and an incident', async () => {
    const client = `trip_${mode}`;
    const monitor = make();
    record(monitor, 8, false, client);
    record(monitor, 2, true, client);
    await settle(monitor);

    const [row] = await h.service.listActive({ clientId: client });
    expect(row).toMatchObject({
      scope: 'client',
      clientId: client,
      targetType: 'platform',
      targetValue: 'meta',
      isActive: true,
      activatedBy: 'system:auto_trip',
    });
    const id = row?.id ?? '';
    expect((await h.service.getById(id)).reason).toMatch(
      /^Auto-tripped: platform:meta error rate 80% \(8\/10 calls\) >= threshold 50%/,
    );
    const check = await checkMeta(client);
    expect(check.tripped).toBe(true);
    expect(check.switch?.id).toBe(id);

    const activations = await h.activations(id);
    expect(activations).toHaveLength(1);
    expect(activations[0]?.metadata).toMatchObject({
      errorRate: 0.8,
      threshold: 0.5,
      samples: 10,
      clientId: client,
      windowMs: 60_000,
    });
    const audited = await h.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.target, id), eq(auditEvents.type, 'KILL_SWITCH_ACTIVATED')));
    expect(audited.map((a) => a.actor)).toEqual(['system:auto_trip']);

    const [incident] = await h.incidents.listIncidents({ killSwitchId: id });
    expect(incident).toMatchObject({
      status: 'open',
      clientId: client,
      severity: 'high',
      triggerType: 'error_rate',
      triggerValue: 0.8,
      threshold: 0.5,
      errorRate: 0.8,
      callsAffected: 8,
    });
    expect((await h.incidents.getIncident(incident?.id ?? '')).timeline.map((e) => e.type)).toEqual(['opened']);
    expect(h.errors).toEqual([]);
  });

  it('does not trip below min samples', async () => {
    const client = `few_${mode}`;
    const monitor = make();
    record(monitor, 5, false, client);
    await settle(monitor);
    expect(await h.service.listActive({ clientId: client })).toEqual([]);
    expect(await switchesOf(client)).toEqual([]);
    expect((await checkMeta(client)).tripped).toBe(false);
  });

  it('does not trip below the error rate', async () => {
    const client = `low_${mode}`;
    const monitor = make();
    record(monitor, 2, false, client);
    record(monitor, 8, true, client);
    await settle(monitor);
    expect(await switchesOf(client)).toEqual([]);
  });

  it('tracks clients separately: only the failing client is blocked', async () => {
    const a = `sep_a_${mode}`;
    const b = `sep_b_${mode}`;
    const monitor = make();
    record(monitor, 10, false, a);
    record(monitor, 10, true, b);
    await settle(monitor);
    expect((await h.service.listActive({ clientId: a })).map((s) => s.scope)).toEqual(['client']);
    expect(await switchesOf(b)).toEqual([]);
    expect((await checkMeta(a)).tripped).toBe(true);
    expect((await checkMeta(b)).tripped).toBe(false);
    // No global switch was made for the target.
    expect((await h.service.listActive({ scope: 'platform' })).filter((s) => s.targetValue === 'meta')).toEqual([]);
  });

  it('does not re-trip during cooldown, and does after it', async () => {
    const client = `cool_${mode}`;
    const monitor = make();
    record(monitor, 10, false, client);
    await settle(monitor);
    const [row] = await h.service.listActive({ clientId: client });
    const id = row?.id ?? '';
    expect(id).not.toBe('');
    await h.service.deactivate({
      id,
      reason: 'operator checked: Meta is fine again',
      deactivatedBy: 'ops@example.com',
    });

    record(monitor, 10, false, client);
    await settle(monitor);
    expect((await h.service.getById(id)).isActive).toBe(false);
    expect(await h.activations(id)).toHaveLength(1);

    h.clock.advance(300_000);
    record(monitor, 10, false, client);
    await settle(monitor);
    expect((await h.service.getById(id)).isActive).toBe(true);
    expect(await h.activations(id)).toHaveLength(2);
    expect(await h.incidents.listIncidents({ killSwitchId: id })).toHaveLength(2);
  });
});

describe('auto-trip on PostgreSQL: more than one tripper', () => {
  it('two monitors tripping the same client at once make one activation and one incident', async () => {
    const client = 'race_client';
    const m1 = h.monitor({ config });
    const m2 = h.monitor({ config });
    record(m1, 10, false, client);
    record(m2, 10, false, client);
    await Promise.all([m1.flush(), m2.flush()]);
    const rows = await switchesOf(client);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.isActive).toBe(true);
    expect(await h.activations(rows[0]?.id ?? '')).toHaveLength(1);
    expect(await h.incidents.listIncidents({ clientId: client })).toHaveLength(1);
  });

  it('the aggregate threshold trips the global platform switch for every client', async () => {
    const monitor = h.monitor({
      config: {
        ...config,
        thresholds: { 'platform:tiktok': { errorRate: 0.99, minSamples: 1_000 } },
        aggregateThresholds: { 'platform:tiktok': { errorRate: 0.5, minSamples: 20 } },
      },
    });
    for (let c = 0; c < 10; c++) {
      record(monitor, 2, false, `agg_${c}`, 'platform:tiktok');
      record(monitor, 1, true, `agg_${c}`, 'platform:tiktok');
    }
    await monitor.flush();
    const active = (await h.service.listActive({ scope: 'platform' })).filter((s) => s.targetValue === 'tiktok');
    expect(active.map((s) => [s.scope, s.clientId, s.activatedBy])).toEqual([['platform', null, 'system:auto_trip']]);
    expect((await h.service.isTripped({ clientId: 'someone_else', action: 'post', platform: 'tiktok' })).tripped).toBe(
      true,
    );
    const [incident] = await h.incidents.listIncidents({ killSwitchId: active[0]?.id ?? '' });
    expect(incident).toMatchObject({ severity: 'critical', clientId: null, callsAffected: 14, errorRate: 0.7 });
  });
});
