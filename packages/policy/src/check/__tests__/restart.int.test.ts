/**
 * Gradual restart driven from PostgreSQL, on two instances (Redis between them) sharing a test
 * clock: both follow the schedule 0.5, 0.75, 1; each step is a history row and an audit record
 * in the database; an operator's halt mid-way wins on both.
 */
import { waitFor } from '@rtv/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type Harness, REASON, createHarness } from '../../service/__tests__/harness';
import { createTestClock } from '../../testing/test-clock';
import type { KillSwitchService } from '../../types';

const EVERY = 30_000;
const clock = createTestClock(Date.now());
let h: Harness;
let a: KillSwitchService;
let b: KillSwitchService;
beforeAll(async () => {
  h = await createHarness();
  a = h.service({ clock });
  b = h.service({ clock });
  await Promise.all([a.ready(), b.ready()]);
});
afterAll(async () => {
  await h?.close();
});

async function restartedSwitch(targetValue: string) {
  const sw = await a.create({ scope: 'platform', targetType: 'platform', targetValue, createdBy: ADMIN });
  await a.activate({ id: sw.id, reason: REASON, activatedBy: ADMIN });
  await a.deactivate({
    id: sw.id,
    reason: 'fixed upstream; restarting',
    deactivatedBy: ADMIN,
    restart: { steps: [0.5, 0.75, 1], everyMs: EVERY },
  });
  const ctx = { clientId: 'client_a', action: 'trade', platform: targetValue, key: 'order_1' };
  await waitFor(() => b.check(ctx).mode === 'throttle', { timeoutMs: 5_000, what: 'b to see the restart' });
  return { id: sw.id, ctx };
}

describe('gradual restart on PostgreSQL', () => {
  it('steps 0.5, 0.75, 1 on both instances, recording each step, and releases at the end', async () => {
    const { id, ctx } = await restartedSwitch('exchange_1');
    for (const service of [a, b]) expect(service.check(ctx).fraction).toBe(0.5);
    clock.advance(EVERY);
    for (const service of [a, b]) expect(service.check(ctx).fraction).toBe(0.75);
    expect(await b.sweepRestarts()).toBe(1);
    clock.advance(EVERY);
    expect(await a.sweepRestarts()).toBe(1);
    await waitFor(() => b.check(ctx).reasonCode === 'CLEAR', { timeoutMs: 5_000, what: 'b to see the release' });
    const history = await h.historyFor(id);
    expect(history.map((row) => [row.action, row.newState])).toEqual([
      ['created', false],
      ['activated', true],
      ['restart_started', true],
      ['restart_step', true],
      ['restart_step', false],
    ]);
    // Each change's fleet receipt follows it in the trail; the transitions are what this test is about.
    const audit = (await h.auditFor(id)).filter((row) => row.type !== 'KILL_SWITCH_RECEIPT');
    expect(audit.map((row) => row.type)).toEqual([
      'KILL_SWITCH_CREATED',
      'KILL_SWITCH_ACTIVATED',
      'KILL_SWITCH_RESTART_STARTED',
      'KILL_SWITCH_RESTART_STEP',
      'KILL_SWITCH_RESTART_STEP',
    ]);
    expect((await a.getById(id)).isActive).toBe(false);
  });

  it('an operator halt mid-way wins on both instances', async () => {
    const { id, ctx } = await restartedSwitch('exchange_2');
    clock.advance(EVERY);
    await b.activate({ id, reason: 'mispricing again at 75%', activatedBy: ADMIN });
    await waitFor(() => a.check(ctx).mode === 'halt', { timeoutMs: 5_000, what: 'a to see the halt' });
    clock.advance(EVERY * 3);
    expect(await a.sweepRestarts()).toBe(0);
    for (const service of [a, b]) expect(service.check(ctx)).toMatchObject({ tripped: true, reasonCode: 'HALTED' });
    const row = await a.getById(id);
    expect(row).toMatchObject({ isActive: true, mode: 'halt', restart: null });
  });
});
