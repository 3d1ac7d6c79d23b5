/**
 * Work in flight on real PostgreSQL and Redis: a long gated action on one instance is aborted,
 * with the decision as the reason, within the propagation bound after ANOTHER instance
 * activates a matching switch; an unrelated switch leaves it running; settled work is no
 * longer watched.
 */
import { waitFor } from '@rtv/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKillSwitchTrippedError } from '../../errors';
import { ADMIN, type Harness, REASON, createHarness } from '../../service/__tests__/harness';
import type { KillSwitchService } from '../../types';
import { createExecutionGate } from '../execution-gate';

/** The bound the propagation test of the service holds over pub/sub. */
const PROPAGATION_BOUND_MS = 200;

let h: Harness;
let worker: KillSwitchService;
let operator: KillSwitchService;
beforeAll(async () => {
  h = await createHarness();
  // Polling every minute: only the pub/sub notice can deliver the change in time.
  worker = h.service({ pollIntervalMs: 60_000 });
  operator = h.service({ pollIntervalMs: 60_000 });
  await Promise.all([worker.ready(), operator.ready()]);
});
afterAll(async () => {
  await h?.close();
});

/** Work that runs until its signal aborts (a stream, a long call), and says when and why it stopped. */
function longWork(signal: AbortSignal): Promise<{ reason: unknown; at: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the work was never aborted')), 20_000);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve({ reason: signal.reason, at: performance.now() });
    });
  });
}

async function switchFor(targetValue: string, platform?: string) {
  return operator.create({
    scope: 'action',
    targetType: 'action',
    targetValue,
    ...(platform ? { platform } : {}),
    createdBy: ADMIN,
  });
}

describe('gate.run cancels work in flight', () => {
  it('aborts within the propagation bound when another instance activates a matching switch', async () => {
    const gate = createExecutionGate({ killSwitchService: worker });
    const sw = await switchFor('stream_reply', 'openai');
    const ctx = { clientId: 'client_a', action: 'stream_reply', platform: 'openai' };
    const running = gate.run(ctx, longWork);
    await new Promise((r) => setTimeout(r, 50)); // the work is under way
    await operator.activate({ id: sw.id, reason: REASON, activatedBy: ADMIN });
    const committedAt = performance.now();
    const { reason, at } = await running;
    // From the commit on the other instance: the same bound the service's propagation test holds.
    expect(at - committedAt).toBeLessThan(PROPAGATION_BOUND_MS);
    expect(isKillSwitchTrippedError(reason)).toBe(true);
    expect(reason).toMatchObject({ switchId: sw.id, mode: 'halt', reasonCode: 'HALTED', level: 7, reason: REASON });
    expect(JSON.parse(JSON.stringify(reason))).toMatchObject({ code: 'TRIPPED', switchId: sw.id, mode: 'halt' });
  });

  it('leaves the work running when an unrelated switch becomes active, and stops watching once it settles', async () => {
    const gate = createExecutionGate({ killSwitchService: worker });
    const unrelated = await switchFor('unrelated_action');
    let aborted = false;
    let release!: () => void;
    const finished = new Promise<void>((r) => {
      release = r;
    });
    const versionBefore = worker.checkStats().snapshotVersion;
    const running = gate.run({ clientId: 'client_a', action: 'publish', platform: 'meta' }, async (signal) => {
      signal.addEventListener('abort', () => {
        aborted = true;
      });
      await finished;
      return 'published';
    });
    await operator.activate({ id: unrelated.id, reason: REASON, activatedBy: ADMIN });
    // The worker has applied the change, and the work was re-checked against it.
    await waitFor(() => worker.checkStats().snapshotVersion > versionBefore, {
      timeoutMs: 5_000,
      what: 'the worker to apply the unrelated activation',
    });
    release();
    expect(await running).toBe('published');
    expect(aborted).toBe(false);
  });

  it('refuses to start work a switch blocks, with the same decision', async () => {
    const gate = createExecutionGate({ killSwitchService: worker });
    const sw = await switchFor('blocked_before');
    await operator.activate({ id: sw.id, reason: REASON, activatedBy: ADMIN, mode: 'reduce' });
    await waitFor(async () => (await worker.isTripped({ clientId: 'c', action: 'blocked_before' })).tripped, {
      timeoutMs: 5_000,
      what: 'the worker to see the switch',
    });
    let ran = false;
    const error = await gate
      .run({ clientId: 'c', action: 'blocked_before' }, () => {
        ran = true;
      })
      .catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(error).toMatchObject({ code: 'TRIPPED', mode: 'reduce', reasonCode: 'REDUCE_ONLY', level: 5 });
  });
});
