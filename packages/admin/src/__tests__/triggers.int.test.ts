/**
 * Signed trigger webhooks through real HTTP: a good signature trips the switch
 * as the trigger's identity; a bad signature, an old timestamp, a replay and
 * a revoked trigger are refused and audited; deliveries are rate-limited.
 */
import { auditEvents } from '@rtv/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triggerHeaders } from '../triggers/signature';
import { type AdminHarness, type ApiBody, startAdminHarness } from './admin-harness';

let h: AdminHarness;
let admin: string;
let n = 0;

async function triggerOnNewSwitch() {
  const sw = await h.call(admin, 'POST', '/api/v1/switches', {
    scope: 'action',
    targetType: 'action',
    targetValue: `hooked_${++n}`,
  });
  const created = await h.call(admin, 'POST', '/api/v1/triggers', {
    switchId: sw.body.switch.id,
    name: `pagerduty-${n}`,
  });
  expect(created.status).toBe(201);
  return {
    switchId: sw.body.switch.id as string,
    ...(created.body as { trigger: { id: string; path: string }; secret: string }),
  };
}

async function post(path: string, body: string, headers: Record<string, string>) {
  const response = await fetch(`${h.baseUrl}${path}`, { method: 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as ApiBody };
}

const refusals = async () =>
  (await h.database.db.select().from(auditEvents).where(eq(auditEvents.type, 'TRIGGER_REFUSED'))).map(
    (r) => r.metadata.why,
  );

beforeAll(async () => {
  h = await startAdminHarness({ triggers: { perMinute: 5 } });
  admin = await h.token('alice@example.com', 'admin');
});
afterAll(async () => h?.close());

describe('signed triggers', () => {
  it('trips the switch with a good signature, as the trigger, with the summary as metadata', async () => {
    const t = await triggerOnNewSwitch();
    const body = JSON.stringify({ summary: 'error rate 12% on checkout' });
    const fired = await post(t.trigger.path, body, triggerHeaders(t.secret, body));
    expect(fired.status).toBe(200);
    expect(fired.body.switch).toMatchObject({ isActive: true, activatedBy: `trigger:pagerduty-${n}` });
    const records = (await h.call(admin, 'GET', `/api/v1/audit?target=${t.switchId}&type=KILL_SWITCH_ACTIVATED`)).body
      .records;
    expect(records[0].metadata).toMatchObject({ summary: 'error rate 12% on checkout', triggerId: t.trigger.id });
  });

  it('refuses and audits a bad signature, an old timestamp and a replay', async () => {
    const t = await triggerOnNewSwitch();
    const body = JSON.stringify({ summary: 'latency' });
    const wrong = await post(t.trigger.path, body, triggerHeaders('not-the-secret', body));
    expect(wrong).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
    const tampered = await post(t.trigger.path, `${body} `, triggerHeaders(t.secret, body));
    expect(tampered.status).toBe(401);
    const old = await post(t.trigger.path, body, triggerHeaders(t.secret, body, new Date(Date.now() - 3_600_000)));
    expect(old.status).toBe(401);
    expect((await h.call(admin, 'GET', `/api/v1/switches/${t.switchId}`)).body.switch.isActive).toBe(false);
    const headers = triggerHeaders(t.secret, body);
    expect((await post(t.trigger.path, body, headers)).status).toBe(200);
    const replay = await post(t.trigger.path, body, headers);
    expect(replay).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT' } } });
    expect(await refusals()).toEqual(
      expect.arrayContaining(['bad signature', 'timestamp outside the replay window', 'replayed delivery']),
    );
  });

  it('refuses a revoked trigger and rate-limits deliveries', async () => {
    const t = await triggerOnNewSwitch();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const body = JSON.stringify({ summary: `burst ${i}` });
      statuses.push((await post(t.trigger.path, body, triggerHeaders(t.secret, body))).status);
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect((await h.call(admin, 'DELETE', `/api/v1/triggers/${t.trigger.id}`)).status).toBe(200);
    const body = JSON.stringify({ summary: 'after revocation' });
    expect((await post(t.trigger.path, body, triggerHeaders(t.secret, body))).status).toBe(401);
    expect(await refusals()).toEqual(expect.arrayContaining(['rate limit exceeded', 'unknown or revoked trigger']));
    const listed = await h.call(admin, 'GET', '/api/v1/triggers');
    expect(JSON.stringify(listed.body)).not.toContain(t.secret);
  });
});
