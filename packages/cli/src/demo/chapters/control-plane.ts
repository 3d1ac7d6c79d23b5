/**
 * The demo's control-plane chapter: an alerting system trips the tiktok
 * switch through a signed webhook (no token, its signature is the
 * credential); releasing it takes two people: alice asks, bob approves
 * through the admin API, and the trail records who really acted.
 */
import { createAdminServer, createApiToken, triggerHeaders } from '@rtv/admin';
import type { KillSwitch } from '@rtv/policy';
import type { StoryContext } from '../story';
import type { Tallies, Tally } from '../traffic';

const REASON = { reasonCode: 'incident-resolved', reason: 'tiktok error budget recovered' };

interface Api {
  call(
    token: string | null,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{
    status: number;
    body: Record<string, unknown>;
  }>;
}

function apiAt(base: string): Api {
  return {
    async call(token, method, path, body, headers = {}) {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
  };
}

interface Actors {
  api: Api;
  alice: string;
  bob: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether every client's tiktok traffic in the window matches. */
const tiktokAll = (window: Tallies, test: (t: Tally) => boolean) =>
  Object.entries(window)
    .filter(([key]) => key.endsWith('tiktok'))
    .every(([, t]) => test(t));

async function tripThroughWebhook(ctx: StoryContext, { api, alice }: Actors, tiktok: KillSwitch): Promise<void> {
  const { view, check, watch, timeline } = ctx;
  const created = await api.call(alice, 'POST', '/api/v1/triggers', {
    switchId: tiktok.id,
    name: 'pagerduty-high-error',
  });
  const { trigger, secret } = created.body as { trigger: { path: string }; secret: string };
  const alert = JSON.stringify({ summary: 'tiktok error rate 14% over 5 minutes' });
  const fired = await api.call(null, 'POST', trigger.path, alert, triggerHeaders(secret, alert));
  view.event(`POST ${trigger.path} (HMAC-signed) -> ${fired.status}: tiktok tripped as trigger:pagerduty-high-error`);
  const stale = triggerHeaders(secret, alert, new Date(Date.now() - 600_000));
  const replay = await api.call(null, 'POST', trigger.path, alert, stale);
  check(
    fired.status === 200 && replay.status === 401,
    `a signed alert trips (${fired.status}); a stale one is refused (${replay.status})`,
  );
  await sleep(timeline.settleMs);
  check(
    tiktokAll(await watch(), (t) => t.ok === 0 && t.blocked > 0),
    'tiktok is stopped for every client by the webhook',
  );
}

async function releaseWithApproval(ctx: StoryContext, { api, alice, bob }: Actors, tiktok: KillSwitch): Promise<void> {
  const { view, check, watch, timeline } = ctx;
  const asked = await api.call(alice, 'POST', `/api/v1/switches/${tiktok.id}/deactivate`, REASON);
  const request = asked.body.releaseRequest as { id: string } | undefined;
  if (!request) {
    check(false, `releasing tiktok should ask for a second person (answered ${asked.status})`);
    return;
  }
  const self = await api.call(alice, 'POST', `/api/v1/approvals/${request.id}/approve`);
  view.event(`alice asks to release (${asked.status}); alice approving her own request -> ${self.status}`);
  const approved = await api.call(bob, 'POST', `/api/v1/approvals/${request.id}/approve`);
  view.event(`bob approves -> ${approved.status}: tiktok released by user:bob, requested by user:alice`);
  check(
    asked.status === 202 && self.status === 403 && approved.status === 200,
    'release needs a second person: self-approval refused, bob approves',
  );
  await sleep(timeline.settleMs);
  check(
    tiktokAll(await watch(), (t) => t.ok > 0 && t.blocked === 0),
    'tiktok flows again after the approved release',
  );
}

export async function chapterControlPlane(ctx: StoryContext, tiktok: KillSwitch): Promise<void> {
  const { stage, view, check } = ctx;
  view.chapter('4b. The control plane: a signed webhook trips tiktok; releasing it takes a second person');
  const app = await createAdminServer({
    db: stage.db,
    service: stage.operator,
    audit: stage.audit,
    incidents: stage.incidents,
    // The demo guards platform switches too, so the switch the story already has needs two people.
    release: { scopes: ['global', 'platform'] },
  });
  try {
    const api = apiAt(await app.listen({ port: 0, host: '127.0.0.1' }));
    const token = async (name: string) =>
      (await createApiToken(stage.db, { name, role: 'admin', createdBy: 'demo' })).token;
    const actors = { api, alice: await token('alice'), bob: await token('bob') };
    await tripThroughWebhook(ctx, actors, tiktok);
    await releaseWithApproval(ctx, actors, tiktok);
  } catch (error) {
    check(false, `the control-plane chapter failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await app.close();
  }
}
