/** `activateMany` through the service on memory adapters: results, typed errors naming the index, all or nothing. */
import { afterEach, describe, expect, it } from 'vitest';
import { isNotFoundError, isValidationError } from '../../errors';
import { type KillSwitchTestKit, createKillSwitchTestKit } from '../../testing/kill-switch-test-kit';

const REASON = 'storm of platform errors';
let kit: KillSwitchTestKit | undefined;
afterEach(async () => {
  await kit?.close();
  kit = undefined;
});

async function threeSwitches(k: KillSwitchTestKit) {
  return Promise.all(
    ['a', 'b', 'c'].map((client) =>
      k.service.create({ scope: 'client', targetType: 'all', targetValue: '*', clientId: client, createdBy: 'ops' }),
    ),
  );
}

const fieldsOf = (error: unknown) => (error as { issues: { field: string }[] }).issues.map((i) => i.field);

describe('activateMany', () => {
  it('trips every switch in input order, and checks see them all', async () => {
    kit = createKillSwitchTestKit();
    const rows = await threeSwitches(kit);
    const results = await kit.service.activateMany(
      rows.map((row) => ({ id: row.id, reason: REASON, activatedBy: 'system:auto_trip' })),
    );
    expect(results.map((r) => [r.switch.id, r.changed])).toEqual(rows.map((row) => [row.id, true]));
    for (const client of ['a', 'b', 'c']) {
      expect((await kit.service.isTripped({ clientId: client, action: 'publish' })).tripped).toBe(true);
    }
    expect(kit.audit.records().filter((r) => r.type === 'KILL_SWITCH_ACTIVATED')).toHaveLength(3);
  });

  it('names the index and field of a bad input, and changes nothing', async () => {
    kit = createKillSwitchTestKit();
    const rows = await threeSwitches(kit);
    const inputs: unknown[] = rows.map((row) => ({ id: row.id, reason: REASON, activatedBy: 'ops' }));
    inputs[1] = { id: rows[1]?.id, reason: 'short', activatedBy: 'ops' };
    const error = await kit.service.activateMany(inputs as never).catch((e: unknown) => e);
    expect(error).toSatisfy(isValidationError);
    expect(fieldsOf(error)).toEqual(['inputs[1].reason']);
    expect((await kit.service.listActive()).length).toBe(0);
  });

  it('refuses a repeated id, a past expiry, a non-array and an unreadable item, each naming where', async () => {
    kit = createKillSwitchTestKit();
    const [a, b] = await threeSwitches(kit);
    const item = (id = a?.id ?? '') => ({ id, reason: REASON, activatedBy: 'ops' });
    const repeated = await kit.service.activateMany([item(), item(b?.id ?? ''), item()]).catch((e: unknown) => e);
    expect(fieldsOf(repeated)).toEqual(['inputs[2].id']);
    const past = await kit.service
      .activateMany([item(), { ...item(b?.id ?? ''), expiresAt: new Date(kit.clock.now() - 1) }])
      .catch((e: unknown) => e);
    expect(fieldsOf(past)).toEqual(['inputs[1].expiresAt']);
    const notArray = await kit.service.activateMany({} as never).catch((e: unknown) => e);
    expect(fieldsOf(notArray)).toEqual(['inputs']);
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
        ownKeys() {
          throw new Error('trap');
        },
      },
    );
    const unreadable = await kit.service.activateMany([item(), hostile as never]).catch((e: unknown) => e);
    expect(unreadable).toSatisfy(isValidationError);
    expect(fieldsOf(unreadable)).toEqual(['inputs[1]']);
    expect((await kit.service.listActive()).length).toBe(0);
  });

  it('says NOT_FOUND naming the index of an unknown id, and trips none', async () => {
    kit = createKillSwitchTestKit();
    const [a] = await threeSwitches(kit);
    const error = await kit.service
      .activateMany([
        { id: a?.id ?? '', reason: REASON, activatedBy: 'ops' },
        { id: 'ks_nowhere', reason: REASON, activatedBy: 'ops' },
      ])
      .catch((e: unknown) => e);
    expect(error).toSatisfy(isNotFoundError);
    expect((error as Error).message).toContain('inputs[1]');
    expect((error as Error).message).toContain('ks_nowhere');
    expect((await kit.service.listActive()).length).toBe(0);
  });
});
