/**
 * The fleet on the in-process adapters (the embedded default): instances
 * register and leave, a change's receipt is chained into the audit trail,
 * a drill records time-to-halt, and the drill action is reserved.
 */
import { afterEach, describe, expect, it } from 'vitest';
import packageJson from '../../../package.json' with { type: 'json' };
import { createMemorySwitchStore } from '../../adapters/memory/memory-switch-store';
import { isValidationError } from '../../errors';
import { createKillSwitchService } from '../../service/create-service';
import { createKillSwitchTestKit } from '../../testing/kill-switch-test-kit';
import type { KillSwitchService } from '../../types';
import { runDrill } from '../drill';
import { DRILL_ACTION } from '../drill-action';
import { LIBRARY_VERSION } from '../library-version';

const services: KillSwitchService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});

async function fleetOf(count: number, fleet: object = {}) {
  const store = createMemorySwitchStore();
  const made = Array.from({ length: count }, (_, i) =>
    createKillSwitchService({ store, sweepIntervalMs: 0, fleet: { serviceName: `svc-${i}`, ...fleet } }),
  );
  services.push(...made);
  await Promise.all(made.map((s) => s.ready()));
  const nth = (i: number): KillSwitchService => {
    const service = made[i];
    if (!service) throw new Error(`no service ${i}`);
    return service;
  };
  return { store, a: nth(0), b: nth(Math.min(1, count - 1)), c: nth(Math.min(2, count - 1)) };
}

describe('fleet registry (in process)', () => {
  it('lists every instance once, and forgets one that closes', async () => {
    const { a, b, c } = await fleetOf(3);
    const listed = await a.fleet.instances();
    expect(listed.map((i) => i.instanceId).sort()).toEqual(
      [a.fleet.instanceId, b.fleet.instanceId, c.fleet.instanceId].sort(),
    );
    expect(listed.every((i) => i.state === 'current' && i.libraryVersion === LIBRARY_VERSION)).toBe(true);
    await c.close();
    expect((await a.fleet.instances()).map((i) => i.instanceId)).not.toContain(c.fleet.instanceId);
  });

  it('does not register a service built with register: false', async () => {
    const { a } = await fleetOf(1, { register: false });
    expect(a.fleet.instanceId).toBeUndefined();
    expect(await a.fleet.instances()).toEqual([]);
  });
});

describe('receipts', () => {
  it('appends a receipt naming every instance after an activation, chained after the change', async () => {
    const { store, a: writer } = await fleetOf(3);
    const row = await writer.create({
      scope: 'platform',
      targetType: 'platform',
      targetValue: 'tiktok',
      createdBy: 'ops',
    });
    await writer.activate({ id: row.id, reason: 'stop tiktok now please', activatedBy: 'ops' });
    const receipt = await writer.fleet.awaitReceipt();
    expect(receipt).toMatchObject({ expected: 3, applied: 3, complete: true });
    expect(receipt.timeToHaltMs).toBeGreaterThanOrEqual(0);
    const records = store.audit.records();
    const types = records.map((r) => r.type);
    expect(types.indexOf('KILL_SWITCH_RECEIPT')).toBeGreaterThan(types.indexOf('KILL_SWITCH_ACTIVATED'));
    const recorded = records.find((r) => r.type === 'KILL_SWITCH_RECEIPT');
    expect(recorded).toMatchObject({ actor: 'system:fleet', target: row.id });
    expect(recorded?.metadata).toMatchObject({ operation: 'activate', expected: 3, applied: 3, complete: true });
  });

  it('writes no receipt for a write that changed nothing', async () => {
    const { store, a: writer } = await fleetOf(1);
    const row = await writer.create({ scope: 'platform', targetType: 'platform', targetValue: 'x', createdBy: 'ops' });
    await writer.deactivate({ id: row.id, reason: 'already off, nothing to do', deactivatedBy: 'ops' });
    await writer.close();
    expect(store.audit.records().filter((r) => r.type === 'KILL_SWITCH_RECEIPT')).toEqual([]);
  });
});

describe('drills', () => {
  it('halts and releases the drill action on every instance and records time-to-halt', async () => {
    const { store, a: writer, b: other } = await fleetOf(2);
    const result = await runDrill(writer, { actor: 'ops:drill', timeoutMs: 2000 });
    expect(result).toMatchObject({ complete: true, halt: { applied: 2, expected: 2 } });
    expect(result.timeToHaltMs).toBeGreaterThanOrEqual(0);
    expect(other.check({ clientId: 'c', action: DRILL_ACTION }).tripped).toBe(false);
    const drill = store.audit.records().find((r) => r.type === 'KILL_SWITCH_DRILL');
    expect(drill?.metadata).toMatchObject({
      drillId: result.drillId,
      timeToHaltMs: result.timeToHaltMs,
      complete: true,
    });
  });

  it('refuses a real switch on the reserved drill action', async () => {
    const { a: writer } = await fleetOf(1);
    const error = await writer
      .create({ scope: 'action', targetType: 'action', targetValue: DRILL_ACTION, createdBy: 'ops' })
      .catch((e: unknown) => e);
    expect(isValidationError(error)).toBe(true);
    expect((error as Error).message).toMatch(/reserved for drills/);
  });
});

it('reports the library version of package.json', () => {
  expect(LIBRARY_VERSION).toBe(packageJson.version);
});

describe('a stale instance', () => {
  it('reports itself stale in the registry before anyone must find it lost', async () => {
    const kit = createKillSwitchTestKit({ maxStalenessMs: 10_000, fleet: { heartbeatIntervalMs: 1000 } });
    try {
      await kit.service.ready();
      await kit.clock.flush();
      expect((await kit.service.fleet.instances()).map((i) => i.health)).toEqual(['ok']);
      await kit.faults.makeStale();
      kit.clock.advance(1000);
      await kit.clock.flush();
      const [record] = await kit.service.fleet.instances();
      expect(record).toMatchObject({ health: 'stale', state: 'current' });
      expect(record?.snapshotAgeMs).toBeGreaterThan(10_000);
    } finally {
      await kit.close();
    }
  });
});
