/**
 * Gradual restart on two instances sharing one store and one clock (memory adapters): the share
 * steps 0.5, 0.75, 1 on schedule on both, each step is recorded in history and audit by the
 * sweep, the last step releases the switch, and an operator's halt mid-way wins.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMemorySwitchStore } from '../../adapters/memory/memory-switch-store';
import { isValidationError } from '../../errors';
import { createKillSwitchService } from '../../service/create-service';
import { createTestClock } from '../../testing/test-clock';
import type { KillSwitchService } from '../../types';

const ACTOR = 'user_operator_1';
const REASON = 'the exchange misprices orders';
const EVERY = 30_000;
const ctx = { clientId: 'client_a', action: 'trade', platform: 'exchange', key: 'order_1' };
const services: KillSwitchService[] = [];

afterEach(async () => {
  for (const service of services.splice(0)) await service.close();
});

async function restarting() {
  const clock = createTestClock();
  const store = createMemorySwitchStore({ clock });
  const [a, b] = [0, 1].map(() => createKillSwitchService({ store, clock, sweepIntervalMs: 0 })) as [
    KillSwitchService,
    KillSwitchService,
  ];
  services.push(a, b);
  await a.ready();
  await b.ready();
  const row = await a.create({ scope: 'platform', targetType: 'platform', targetValue: 'exchange', createdBy: ACTOR });
  await a.activate({ id: row.id, reason: REASON, activatedBy: ACTOR });
  const result = await a.deactivate({
    id: row.id,
    reason: 'fixed; restarting at half',
    deactivatedBy: ACTOR,
    restart: { steps: [0.5, 0.75, 1], everyMs: EVERY },
  });
  expect(result.changed).toBe(true);
  await b.invalidateCache();
  return { clock, store, a, b, id: row.id };
}

const shareOf = (service: KillSwitchService) => service.check(ctx).fraction;

describe('gradual restart', () => {
  it('steps 0.5, 0.75, 1 on schedule on both instances, each step recorded, then releases', async () => {
    const { clock, store, a, b, id } = await restarting();
    const startedAt = clock.now();
    expect(shareOf(a)).toBe(0.5);
    expect(shareOf(b)).toBe(0.5);
    expect(a.check(ctx)).toMatchObject({ mode: 'throttle', nextStepAt: new Date(startedAt + EVERY) });

    clock.advance(EVERY);
    // The share follows the clock on every instance, before any sweep has written a thing.
    expect(shareOf(a)).toBe(0.75);
    expect(shareOf(b)).toBe(0.75);
    expect(await b.sweepRestarts()).toBe(1);
    expect(await a.sweepRestarts()).toBe(0);

    clock.advance(EVERY);
    expect(a.check(ctx).tripped).toBe(false);
    expect(await a.sweepRestarts()).toBe(1);
    await b.invalidateCache();
    for (const service of [a, b]) expect(service.check(ctx)).toMatchObject({ tripped: false, reasonCode: 'CLEAR' });
    expect((await a.getById(id)).isActive).toBe(false);

    const history = await a.getHistory(id);
    expect(history.map((h) => [h.action, h.newState])).toEqual([
      ['created', false],
      ['activated', true],
      ['restart_started', true],
      ['restart_step', true],
      ['restart_step', false],
    ]);
    expect(history.slice(3).map((h) => (h.metadata as { fraction: number }).fraction)).toEqual([0.75, 1]);
    const audited = store.audit
      .records()
      .filter((e) => e.target === id)
      .map((e) => e.type);
    expect(audited).toContain('KILL_SWITCH_RESTART_STARTED');
    expect(audited.filter((t) => t === 'KILL_SWITCH_RESTART_STEP')).toHaveLength(2);
  });

  it('an operator halt mid-way wins on both instances, and the schedule stops', async () => {
    const { clock, a, b, id } = await restarting();
    clock.advance(EVERY);
    expect(shareOf(b)).toBe(0.75);
    const halted = await b.activate({ id, reason: 'mispricing again at 75%', activatedBy: ACTOR });
    expect(halted.changed).toBe(true);
    await a.invalidateCache();
    clock.advance(EVERY * 5);
    for (const service of [a, b]) {
      expect(service.check(ctx)).toMatchObject({ tripped: true, mode: 'halt', reasonCode: 'HALTED', fraction: null });
    }
    expect(await a.sweepRestarts()).toBe(0);
    const last = (await a.getHistory(id)).at(-1);
    expect(last).toMatchObject({ action: 'updated', metadata: { restartCancelled: true, mode: 'halt' } });
  });

  it('refuses steps that do not rise to 1, naming restart.steps, and changes nothing', async () => {
    const { a, id } = await restarting();
    await a.activate({ id, reason: REASON, activatedBy: ACTOR });
    for (const steps of [[0.5, 0.4, 1], [0.5, 0.75], [], [0, 1]]) {
      const error = await a
        .deactivate({ id, reason: 'try again later', deactivatedBy: ACTOR, restart: { steps, everyMs: EVERY } })
        .catch((e: unknown) => e);
      expect(isValidationError(error), JSON.stringify(steps)).toBe(true);
      expect((error as { issues: { field: string }[] }).issues[0]?.field).toMatch(/^restart\.steps/);
    }
    expect(a.check(ctx)).toMatchObject({ tripped: true, mode: 'halt' });
  });
});
