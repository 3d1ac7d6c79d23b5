/**
 * What the console reads, through the same API as any client, over real
 * HTTP on real PostgreSQL and Redis: the fleet, a switch's latest receipt,
 * the release policy, and the live event stream (token in the header,
 * fenced identities seeing only their clients' records).
 */
import { waitFor } from '@rtv/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminHarness, startAdminHarness } from './admin-harness';

let h: AdminHarness;
let admin: string;
let operatorB: string;

beforeAll(async () => {
  h = await startAdminHarness();
  admin = await h.token('ada', 'admin');
  operatorB = await h.token('otto', 'operator', { clients: ['client_b'] });
}, 60_000);

afterAll(async () => {
  await h?.close();
}, 30_000);

/** Reads server-sent events from `/events` until `until` says enough, or the time runs out. */
async function readEvents(token: string | null, until: (text: string) => boolean, act?: () => Promise<void>) {
  const controller = new AbortController();
  const response = await fetch(`${h.baseUrl}/api/v1/events`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: controller.signal,
  });
  if (!response.ok || !response.body) return { status: response.status, text: await response.text() };
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  const timer = setTimeout(() => controller.abort(), 15_000);
  try {
    let acted = false;
    while (!until(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
      if (!acted && act) {
        acted = true;
        await act();
      }
    }
  } catch {
    // Aborted by the timer: the assertions below say what was missing.
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return { status: response.status, contentType: response.headers.get('content-type'), text };
}

async function newSwitch(body: Record<string, unknown>) {
  const created = await h.call(admin, 'POST', '/api/v1/switches', body);
  expect(created.status).toBe(201);
  return created.body.switch as { id: string };
}

describe('the console API', () => {
  it('lists the fleet with each instance state and ages', async () => {
    const answer = await h.call(admin, 'GET', '/api/v1/fleet');
    expect(answer.status).toBe(200);
    expect(answer.body.summary).toMatchObject({ current: 1, behind: 0, lost: 0 });
    expect(answer.body.instances[0]).toMatchObject({ state: 'current', health: expect.any(String) });
    expect(answer.body.instances[0].heartbeatAgeMs).toBeGreaterThanOrEqual(0);
    expect((await h.call(null, 'GET', '/api/v1/fleet')).status).toBe(401);
  });

  it("answers a switch's latest receipt, null before any change", async () => {
    const sw = await newSwitch({ scope: 'platform', targetType: 'platform', targetValue: 'tiktok' });
    expect((await h.call(admin, 'GET', `/api/v1/switches/${sw.id}/receipt`)).body).toEqual({ receipt: null });
    await h.call(admin, 'POST', `/api/v1/switches/${sw.id}/activate`, { reason: 'receipt route test' });
    const receipt = await waitFor(
      async () => (await h.call(admin, 'GET', `/api/v1/switches/${sw.id}/receipt`)).body.receipt,
      {
        timeoutMs: 15_000,
        what: 'the receipt',
      },
    );
    expect(receipt).toMatchObject({ operation: 'activate', expected: 1, applied: 1, complete: true });
    expect((await h.call(admin, 'GET', '/api/v1/switches/nope/receipt')).body.error.code).toBe('NOT_FOUND');
    expect((await h.call(admin, 'GET', '/api/v1/switches/bad%20id/receipt')).body.error.code).toBe('VALIDATION_ERROR');
  });

  it('states the release policy a client must follow', async () => {
    const answer = await h.call(admin, 'GET', '/api/v1/policy');
    expect(answer.body).toMatchObject({ twoPersonScopes: ['global'], reasonCodes: expect.arrayContaining(['other']) });
  });

  it('streams the receipt of a change as a server-sent event, to a token in the header only', async () => {
    expect((await readEvents(null, () => true)).status).toBe(401);
    const sw = await newSwitch({ scope: 'platform', targetType: 'platform', targetValue: 'meta' });
    const seen = await readEvents(
      admin,
      (text) => text.includes('KILL_SWITCH_ACTIVATED') && text.includes('KILL_SWITCH_RECEIPT'),
      async () => {
        await h.call(admin, 'POST', `/api/v1/switches/${sw.id}/activate`, { reason: 'live feed test' });
      },
    );
    expect(seen.contentType).toContain('text/event-stream');
    expect(seen.text).toContain('event: KILL_SWITCH_ACTIVATED');
    expect(seen.text).toContain('event: KILL_SWITCH_RECEIPT');
    expect(seen.text).toContain(sw.id);
  }, 30_000);

  it("shows a fenced identity only its clients' records", async () => {
    const mine = await newSwitch({ scope: 'client', targetType: 'all', targetValue: '*', clientId: 'client_b' });
    const theirs = await newSwitch({ scope: 'client', targetType: 'all', targetValue: '*', clientId: 'client_c' });
    const seen = await readEvents(
      operatorB,
      (text) => text.includes(mine.id),
      async () => {
        await h.call(admin, 'POST', `/api/v1/switches/${theirs.id}/activate`, { reason: 'not for client_b eyes' });
        await h.call(admin, 'POST', `/api/v1/switches/${mine.id}/activate`, { reason: 'client_b may see this' });
      },
    );
    expect(seen.text).toContain(mine.id);
    expect(seen.text).not.toContain(theirs.id);
  }, 30_000);

  it('documents the new routes in the OpenAPI document', async () => {
    const doc = (await h.call(null, 'GET', '/openapi.json')).body;
    for (const path of ['/api/v1/fleet', '/api/v1/events', '/api/v1/policy', '/api/v1/switches/{id}/receipt']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
  });
});
