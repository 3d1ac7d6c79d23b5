/**
 * The control plane through real HTTP on real PostgreSQL and Redis: who may
 * do what, that a body cannot set the actor, the two-person release,
 * break-glass bypasses, and that monitors trip but never release.
 */
import { readCheckpointFile } from '@rtv/audit';
import { auditEvents } from '@rtv/db';
import { createTestClock } from '@rtv/policy';
import { waitFor } from '@rtv/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminHarness, startAdminHarness } from './admin-harness';

const clock = createTestClock(Date.now());
let h: AdminHarness;
let admin: string;
let admin2: string;
let breakGlass: string;
let operatorA: string;
let viewer: string;
let monitor: string;
let n = 0;

const REASON = { reasonCode: 'incident-resolved', reason: 'the upstream outage is over' };

async function newSwitch(body: Record<string, unknown> = {}) {
  const res = await h.call(admin, 'POST', '/api/v1/switches', {
    scope: 'action',
    targetType: 'action',
    targetValue: `act_${++n}`,
    ...body,
  });
  expect(res.status).toBe(201);
  return res.body.switch as { id: string; isActive: boolean };
}

const trip = (token: string, id: string) =>
  h.call(token, 'POST', `/api/v1/switches/${id}/activate`, { reason: 'tripped by the test suite' });

beforeAll(async () => {
  // Platform switches are guarded too here, so each test can have its own (there is one global switch).
  h = await startAdminHarness({ clock, sweepIntervalMs: 50, release: { scopes: ['global', 'platform'] } });
  admin = await h.token('alice@example.com', 'admin');
  admin2 = await h.token('bob@example.com', 'admin');
  breakGlass = await h.token('carol@example.com', 'admin', { breakGlass: true });
  operatorA = await h.token('dave@example.com', 'operator', { clients: ['client_a'] });
  viewer = await h.token('erin@example.com', 'viewer');
  monitor = await h.token('latency-monitor', 'monitor');
});
afterAll(async () => h?.close());

describe('identities', () => {
  it('answers 401 without a credential or with a wrong one, on every authenticated route', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/whoami'],
      ['GET', '/api/v1/switches'],
      ['POST', '/api/v1/switches'],
      ['GET', '/api/v1/audit'],
      ['GET', '/api/v1/approvals'],
      ['GET', '/api/v1/triggers'],
    ] as const) {
      const none = await h.call(null, method, path);
      expect(none.status, `${method} ${path}`).toBe(401);
      expect(none.body.error.code).toBe('UNAUTHORIZED');
      const forged = await h.call(`rtvks_tok_AAAAAAAAAAAAAAAA_${'x'.repeat(43)}`, method, path);
      expect(forged.status).toBe(401);
    }
  });

  it('takes the actor from the token, never from the body', async () => {
    const who = await h.call(operatorA, 'GET', '/api/v1/whoami');
    expect(who.body.identity).toMatchObject({
      actor: 'user:dave@example.com',
      role: 'operator',
      clients: ['client_a'],
    });
    const smuggled = await h.call(admin, 'POST', '/api/v1/switches', {
      scope: 'global',
      targetType: 'all',
      targetValue: '*',
      createdBy: 'system:auto_trip',
    });
    expect(smuggled.status).toBe(400);
    expect(smuggled.body.error.message).toContain('createdBy');
    const sw = await newSwitch();
    const tripped = await h.call(admin, 'POST', `/api/v1/switches/${sw.id}/activate`, {
      reason: 'tripped by the test suite',
      activatedBy: 'security-lead@example.com',
    });
    expect(tripped.status).toBe(400);
    const ok = await trip(admin, sw.id);
    expect(ok.body.switch.activatedBy).toBe('user:alice@example.com');
  });

  it('fences an operator to its clients and a viewer to reading, and audits the refusals', async () => {
    const own = await newSwitch({ scope: 'client', targetType: 'all', targetValue: '*', clientId: 'client_a' });
    const other = await newSwitch({ scope: 'client', targetType: 'all', targetValue: '*', clientId: 'client_b' });
    expect((await trip(operatorA, own.id)).status).toBe(200);
    const refused = await trip(operatorA, other.id);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('FORBIDDEN');
    const list = await h.call(operatorA, 'GET', '/api/v1/switches');
    const ids = list.body.switches.map((s: { id: string }) => s.id);
    expect(ids).toContain(own.id);
    expect(ids).not.toContain(other.id);
    expect((await h.call(operatorA, 'GET', `/api/v1/switches/${other.id}/history`)).status).toBe(403);
    expect((await h.call(operatorA, 'GET', '/api/v1/audit')).status).toBe(403);
    expect((await h.call(operatorA, 'GET', '/api/v1/audit?clientId=client_a')).status).toBe(200);
    expect((await trip(viewer, own.id)).status).toBe(403);
    expect((await h.call(viewer, 'GET', '/api/v1/switches')).status).toBe(200);
    expect((await h.call(operatorA, 'GET', '/api/v1/triggers')).status).toBe(403);
    const denied = await h.database.db.select().from(auditEvents).where(eq(auditEvents.type, 'ADMIN_ACCESS_DENIED'));
    expect(denied.map((r) => r.actor)).toEqual(
      expect.arrayContaining(['user:dave@example.com', 'user:erin@example.com']),
    );
  });
});

describe('two-person release', () => {
  it('turns the release of a global switch into a request that a second identity must approve', async () => {
    const sw = await newSwitch({ scope: 'platform', targetType: 'platform', targetValue: `plat_${++n}` });
    await trip(admin, sw.id);
    const asked = await h.call(admin, 'POST', `/api/v1/switches/${sw.id}/deactivate`, REASON);
    expect(asked.status, JSON.stringify(asked.body)).toBe(202);
    const request = asked.body.releaseRequest;
    expect(request).toMatchObject({ status: 'pending', requestedBy: 'user:alice@example.com' });
    expect((await h.call(admin, 'GET', `/api/v1/switches/${sw.id}`)).body.switch.isActive).toBe(true);

    const self = await h.call(admin, 'POST', `/api/v1/approvals/${request.id}/approve`);
    expect(self.status).toBe(403);
    expect(self.body.error.message).toContain('second person');
    expect((await h.call(viewer, 'POST', `/api/v1/approvals/${request.id}/approve`)).status).toBe(403);
    expect((await h.call(monitor, 'POST', `/api/v1/approvals/${request.id}/approve`)).status).toBe(403);

    const approved = await h.call(admin2, 'POST', `/api/v1/approvals/${request.id}/approve`);
    expect(approved.status).toBe(200);
    expect(approved.body.switch.isActive).toBe(false);
    const history = (await h.call(admin, 'GET', `/api/v1/switches/${sw.id}/history`)).body.history;
    expect(history.at(-1)).toMatchObject({ action: 'deactivated', performedBy: 'user:bob@example.com' });
    expect((await h.call(admin2, 'POST', `/api/v1/approvals/${request.id}/approve`)).status).toBe(409);
    // Each release seals the chain head into a checkpoint outside the database.
    const [sealed] = await readCheckpointFile(h.checkpointFile);
    expect(sealed?.seq).toBeGreaterThan(0);
    const verified = await h.call(viewer, 'POST', '/api/v1/audit/verify', {});
    expect(verified.body).toMatchObject({ ok: true, chain: { ok: true }, checkpoint: { ok: true } });
    const types = (await h.call(admin, 'GET', `/api/v1/audit?target=${sw.id}`)).body.records.map(
      (r: { type: string }) => r.type,
    );
    expect(types).toEqual(
      expect.arrayContaining([
        'KILL_SWITCH_RELEASE_REQUESTED',
        'KILL_SWITCH_RELEASE_APPROVED',
        'KILL_SWITCH_DEACTIVATED',
      ]),
    );
  });

  it('refuses a reason code outside the list and lets requests lapse', async () => {
    const sw = await newSwitch({ scope: 'platform', targetType: 'platform', targetValue: `plat_${++n}` });
    await trip(admin, sw.id);
    const bad = await h.call(admin, 'POST', `/api/v1/switches/${sw.id}/deactivate`, {
      ...REASON,
      reasonCode: 'because',
    });
    expect(bad.status).toBe(400);
    const asked = await h.call(admin, 'POST', `/api/v1/switches/${sw.id}/deactivate`, REASON);
    clock.advance(2 * 3_600_000);
    const late = await h.call(admin2, 'POST', `/api/v1/approvals/${asked.body.releaseRequest.id}/approve`);
    expect(late.status).toBe(409);
    expect(late.body.error.message).toContain('expired');
  });

  it('lets a monitor trip and never release', async () => {
    const sw = await newSwitch();
    const tripped = await trip(monitor, sw.id);
    expect(tripped.status).toBe(200);
    expect(tripped.body.switch.activatedBy).toBe('system:latency-monitor');
    const release = await h.call(monitor, 'POST', `/api/v1/switches/${sw.id}/deactivate`, REASON);
    expect(release.status).toBe(403);
    expect(
      (await h.call(monitor, 'POST', `/api/v1/switches/${sw.id}/bypass`, { ...REASON, durationMs: 60_000 })).status,
    ).toBe(403);
  });
});

describe('break-glass bypass', () => {
  it('releases alone with a reason, is recorded, and re-engages the switch when it expires', async () => {
    const sw = await newSwitch({ scope: 'platform', targetType: 'platform', targetValue: `plat_${++n}` });
    await trip(admin, sw.id);
    const refused = await h.call(admin, 'POST', `/api/v1/switches/${sw.id}/bypass`, { ...REASON, durationMs: 60_000 });
    expect(refused.status).toBe(403);
    const tooLong = await h.call(breakGlass, 'POST', `/api/v1/switches/${sw.id}/bypass`, {
      ...REASON,
      durationMs: 48 * 3_600_000,
    });
    expect(tooLong.status).toBe(400);
    const bypass = await h.call(breakGlass, 'POST', `/api/v1/switches/${sw.id}/bypass`, {
      ...REASON,
      durationMs: 60_000,
    });
    expect(bypass.status).toBe(200);
    expect(bypass.body.switch.isActive).toBe(false);
    const recorded = await h.call(admin, 'GET', `/api/v1/audit?target=${sw.id}&type=KILL_SWITCH_BYPASSED`);
    expect(recorded.body.records[0]).toMatchObject({ actor: 'user:carol@example.com' });
    clock.advance(61_000);
    await waitFor(
      async () => (await h.call(admin, 'GET', `/api/v1/switches/${sw.id}`)).body.switch.isActive || undefined,
      {
        what: 'the switch to hold again after its bypass',
      },
    );
    // The bypass's end is audited right after the switch holds again (its own transaction): wait for it, then count.
    const endedRecords = async () =>
      (await h.call(admin, 'GET', `/api/v1/audit?target=${sw.id}&type=KILL_SWITCH_BYPASS_ENDED`)).body.records;
    await waitFor(async () => ((await endedRecords()).length > 0 ? true : undefined), {
      what: 'the end of the bypass to be audited',
    });
    expect(await endedRecords()).toHaveLength(1);
  });
});

describe('events', () => {
  it('streams state changes and release requests as server-sent events, fenced like reads', async () => {
    const controller = new AbortController();
    const response = await fetch(`${h.baseUrl}/api/v1/events`, {
      headers: { authorization: `Bearer ${viewer}` },
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const sw = await newSwitch();
    await trip(admin, sw.id);
    let text = '';
    const decoder = new TextDecoder();
    while (!text.includes(`"target":"${sw.id}"`) || !text.includes('event: KILL_SWITCH_ACTIVATED')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    controller.abort();
    expect(text).toContain('event: KILL_SWITCH_ACTIVATED');
    expect((await h.call(null, 'GET', '/api/v1/events')).status).toBe(401);
  });
});

describe('errors and documents', () => {
  it('answers unknown routes, bad JSON and wrong methods as typed JSON', async () => {
    const unknown = await h.call(admin, 'GET', '/api/v1/nope');
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    const badJson = await h.call(admin, 'POST', '/api/v1/switches', '{"scope":');
    expect(badJson).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_ERROR' } } });
    expect((await h.call(admin, 'PATCH', '/api/v1/switches')).status).toBe(404);
    expect((await h.call(admin, 'GET', '/api/v1/switches/ks_missing')).body.error.code).toBe('NOT_FOUND');
  });

  it('serves the OpenAPI document and a public health probe', async () => {
    const doc = await h.call(null, 'GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/switches/{id}/deactivate',
        '/api/v1/approvals/{id}/approve',
        '/api/v1/hooks/{triggerId}',
      ]),
    );
    const health = await h.call(null, 'GET', '/api/v1/health');
    expect(health.body.status).toBe('operational');
  });
});
