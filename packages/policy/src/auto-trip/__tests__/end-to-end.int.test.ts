/**
 * A worker end to end on the real service: its failures on platform:meta for client_a trip client_a's
 * switch; the gate then blocks client_a's publishing while client_b goes on; an incident holds the figures.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isKillSwitchTrippedError } from '../../errors';
import { createExecutionGate } from '../execution-gate';
import { type AutoTripHarness, createAutoTripHarness } from './int-harness';

let h: AutoTripHarness;
beforeAll(async () => {
  h = await createAutoTripHarness();
});
afterAll(async () => {
  await h?.close();
});

it('trips client_a on its failures, blocks only client_a, and opens an incident with the figures', async () => {
  const monitor = h.monitor({
    config: {
      windowMs: 60_000,
      checkIntervalMs: 10_000,
      thresholds: { 'platform:meta': { errorRate: 0.5, minSamples: 10 } },
    },
  });
  const gate = createExecutionGate({ killSwitchService: h.service, monitor });
  const publishA = { clientId: 'client_a', action: 'publish', platform: 'meta' };
  const publishB = { clientId: 'client_b', action: 'publish', platform: 'meta' };

  // client_b succeeds throughout; client_a's calls to Meta fail.
  for (let i = 0; i < 4; i++) await gate.run(publishB, async () => 'posted');
  for (let i = 0; i < 10; i++) {
    await expect(
      gate.run(publishA, async () => {
        throw Object.assign(new Error('Meta API answered 500'), { code: 'META_500' });
      }),
    ).rejects.toThrow('Meta API answered 500');
  }
  await monitor.flush();
  expect(monitor.getStats('platform:meta', 'client_a')).toMatchObject({ errors: 10, total: 10 });

  // client_a is blocked before its function runs.
  let ran = false;
  const blocked = await gate
    .run(publishA, async () => {
      ran = true;
    })
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  expect(ran).toBe(false);
  expect(isKillSwitchTrippedError(blocked)).toBe(true);
  const [row] = await h.service.listActive({ clientId: 'client_a' });
  expect(blocked).toMatchObject({ code: 'TRIPPED', switchId: row?.id });
  expect((blocked as { reason: string }).reason).toMatch(/^Auto-tripped: platform:meta error rate 100%/);
  await expect(gate.check(publishA)).rejects.toMatchObject({ code: 'TRIPPED' });

  // client_b goes on; client_a may still use other platforms.
  await expect(gate.run(publishB, async () => 'posted')).resolves.toBe('posted');
  await expect(gate.check({ clientId: 'client_a', action: 'publish', platform: 'tiktok' })).resolves.toBeUndefined();
  expect(monitor.getStats('platform:meta', 'client_b')).toMatchObject({ errors: 0, total: 5 });

  const open = await h.incidents.listIncidents({ status: 'open', clientId: 'client_a' });
  expect(open).toHaveLength(1);
  expect(open[0]).toMatchObject({
    killSwitchId: row?.id,
    triggerType: 'error_rate',
    errorRate: 1,
    threshold: 0.5,
    callsAffected: 10,
  });
  expect(await h.incidents.listIncidents({ clientId: 'client_b' })).toEqual([]);
  expect(h.errors).toEqual([]);
});
