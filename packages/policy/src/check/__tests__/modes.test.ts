/**
 * Modes on the real service (memory adapters, a test clock): `reduce` lets risk-reducing
 * actions through, `throttle` a share (the same keys every time, on every instance), the most
 * restrictive match decides, and a decision says who decided, at which level, on which version.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMemorySwitchStore } from '../../adapters/memory/memory-switch-store';
import { isValidationError } from '../../errors';
import { createKillSwitchService } from '../../service/create-service';
import { decodeNotice, encodeNotice } from '../../sync/change-notice';
import { applyNotice, diffSnapshots } from '../../sync/delta';
import { createTestClock } from '../../testing/test-clock';
import type { ActivateInput, CheckContext, CreateSwitchInput, KillSwitchService } from '../../types';
import { createSnapshot, fromSwitchPayload } from '../snapshot';

const ACTOR = 'user_operator_1';
const REASON = 'publishing misbehaves on meta';
const services: KillSwitchService[] = [];

function instances(count: number, clock = createTestClock()) {
  const store = createMemorySwitchStore({ clock });
  const made = Array.from({ length: count }, () => createKillSwitchService({ store, clock, sweepIntervalMs: 0 }));
  services.push(...made);
  return { store, clock, services: made, service: made[0] as KillSwitchService };
}

afterEach(async () => {
  for (const service of services.splice(0)) await service.close();
});

async function trip(
  service: KillSwitchService,
  target: Omit<CreateSwitchInput, 'createdBy'>,
  activation: Partial<ActivateInput> = {},
) {
  const row = await service.ensure({ ...target, createdBy: ACTOR });
  return (await service.activate({ id: row.id, reason: REASON, activatedBy: ACTOR, ...activation })).switch;
}

const metaPlatform = { scope: 'platform', targetType: 'platform', targetValue: 'meta' } as const;
const on = (action: string, key?: string): CheckContext => ({
  clientId: 'client_a',
  platform: 'meta',
  action,
  ...(key === undefined ? {} : { key }),
});

describe('reduce', () => {
  it('lets risk-reducing actions through and refuses the others, saying which mode decided', async () => {
    const { service } = instances(1);
    await service.ready();
    const sw = await trip(service, metaPlatform, { mode: 'reduce' });
    const version = service.checkStats().snapshotVersion;
    for (const action of ['delete', 'unpublish', 'cancel']) {
      expect(await service.isTripped(on(action))).toMatchObject({
        tripped: false,
        mode: 'reduce',
        reasonCode: 'RISK_REDUCING',
        switch: { id: sw.id },
      });
    }
    const refused = await service.isTripped(on('publish'));
    expect(refused).toMatchObject({
      tripped: true,
      mode: 'reduce',
      reasonCode: 'REDUCE_ONLY',
      level: 3,
      version,
      reason: REASON,
      switch: { id: sw.id },
    });
    expect(service.check(on('publish'))).toBe(refused);
  });

  it('uses the switch own list of allowed actions when it names one', async () => {
    const { service } = instances(1);
    await service.ready();
    await trip(service, metaPlatform, { mode: 'reduce', allowActions: ['close_position'] });
    expect(service.check(on('close_position')).tripped).toBe(false);
    expect(service.check(on('delete')).tripped).toBe(true);
  });
});

describe('throttle', () => {
  it('lets 45-55% of 10,000 keyed actions through at 0.5, the same keys every time and on every instance', async () => {
    const {
      services: [a, b],
    } = instances(2);
    await a?.ready();
    await b?.ready();
    await trip(a as KillSwitchService, metaPlatform, { mode: 'throttle', fraction: 0.5 });
    await b?.invalidateCache();
    const keys = Array.from({ length: 10_000 }, (_, i) => `post_${i}`);
    const admitted = (service: KillSwitchService) => keys.filter((key) => !service.check(on('publish', key)).tripped);
    const first = admitted(a as KillSwitchService);
    expect(first.length).toBeGreaterThanOrEqual(4_500);
    expect(first.length).toBeLessThanOrEqual(5_500);
    expect(admitted(a as KillSwitchService)).toEqual(first);
    expect(admitted(b as KillSwitchService)).toEqual(first);
    const blocked = a?.check(
      on(
        'publish',
        keys.find((k) => !first.includes(k)),
      ),
    );
    expect(blocked).toMatchObject({ tripped: true, mode: 'throttle', reasonCode: 'THROTTLED', fraction: 0.5 });
  });

  it('only adds keys as the fraction rises: a key let through at 0.5 is let through at 0.75', async () => {
    const { service } = instances(1);
    await service.ready();
    const sw = await trip(service, metaPlatform, { mode: 'throttle', fraction: 0.5 });
    const keys = Array.from({ length: 2_000 }, (_, i) => `order_${i}`);
    const atHalf = keys.filter((key) => !service.check(on('trade', key)).tripped);
    await service.activate({ id: sw.id, reason: REASON, activatedBy: ACTOR, mode: 'throttle', fraction: 0.75 });
    const atThreeQuarters = new Set(keys.filter((key) => !service.check(on('trade', key)).tripped));
    expect(atHalf.every((key) => atThreeQuarters.has(key))).toBe(true);
    expect(atThreeQuarters.size).toBeGreaterThan(atHalf.length);
  });

  it('without a key lets exactly the fraction of a stream through (a local token bucket)', async () => {
    const { service } = instances(1);
    await service.ready();
    await trip(service, metaPlatform, { mode: 'throttle', fraction: 0.25 });
    let passed = 0;
    for (let i = 0; i < 1_000; i++) if (!service.check(on('publish')).tripped) passed++;
    expect(passed).toBe(250);
  });
});

describe('several matching switches', () => {
  it('the most restrictive decides (halt over reduce over throttle), whatever its level', async () => {
    const { service } = instances(1);
    await service.ready();
    await trip(service, { scope: 'global', targetType: 'all', targetValue: '*' }, { mode: 'throttle', fraction: 1 });
    const reduce = await trip(service, metaPlatform, { mode: 'reduce' });
    expect(service.check(on('publish'))).toMatchObject({ tripped: true, mode: 'reduce', switch: { id: reduce.id } });
    expect(service.check(on('delete'))).toMatchObject({ tripped: false, mode: 'reduce' });
    const halt = await trip(service, {
      scope: 'action',
      targetType: 'action',
      targetValue: 'delete',
      clientId: 'client_a',
      platform: 'meta',
    });
    expect(service.check(on('delete'))).toMatchObject({
      tripped: true,
      mode: 'halt',
      level: 8,
      switch: { id: halt.id },
    });
    // Another client is untouched by the client's switch; the global ones still apply.
    expect(service.check({ ...on('delete'), clientId: 'client_b' })).toMatchObject({ tripped: false, mode: 'reduce' });
  });

  it('a halt with an expiry says when it ends; nothing matching answers CLEAR with the version', async () => {
    const { service, clock } = instances(1);
    await service.ready();
    const expiresAt = new Date(clock.now() + 60_000);
    await trip(service, metaPlatform, { expiresAt });
    const version = service.checkStats().snapshotVersion;
    expect(service.check(on('publish'))).toMatchObject({
      tripped: true,
      mode: 'halt',
      reasonCode: 'HALTED',
      level: 3,
      expiresAt,
      nextStepAt: null,
      version,
    });
    expect(service.check({ clientId: 'client_a', action: 'publish', platform: 'x' })).toMatchObject({
      tripped: false,
      switch: null,
      reasonCode: 'CLEAR',
      version,
    });
  });
});

describe('inputs', () => {
  it('refuses a throttle without a fraction, and a fraction or an allow list in the wrong mode, naming the field', async () => {
    const { service } = instances(1);
    await service.ready();
    const row = await service.create({ ...metaPlatform, createdBy: ACTOR });
    const base = { id: row.id, reason: REASON, activatedBy: ACTOR };
    const refusals = [
      [{ ...base, mode: 'throttle' }, 'fraction'],
      [{ ...base, mode: 'throttle', fraction: 1.5 }, 'fraction'],
      [{ ...base, fraction: 0.5 }, 'fraction'],
      [{ ...base, mode: 'halt', allowActions: ['delete'] }, 'allowActions'],
      [{ ...base, mode: 'pause' }, 'mode'],
    ] as const;
    for (const [input, field] of refusals) {
      const error = await service.activate(input as ActivateInput).catch((e: unknown) => e);
      expect(isValidationError(error), JSON.stringify(input)).toBe(true);
      expect((error as { issues: { field: string }[] }).issues.map((i) => i.field)).toContain(field);
    }
    expect((await service.getById(row.id)).isActive).toBe(false);
  });

  it('reads a switch sent by an older instance (no mode fields) as a halt', () => {
    const summary = fromSwitchPayload({
      id: 'ks_old',
      scope: 'global',
      targetType: 'all',
      targetValue: '*',
      clientId: null,
      platform: null,
      reason: 'from before modes',
      activatedAt: new Date(0).toISOString(),
      activatedBy: 'someone',
      expiresAt: null,
    });
    expect(summary).toMatchObject({ mode: 'halt', allowActions: null, fraction: null, restart: null });
    expect(() => fromSwitchPayload({ ...summary, activatedAt: null, mode: 'pause' })).toThrow(/malformed/);
  });

  it('carries modes and a restart through a change notice, patching the other instance to the same decisions', () => {
    const base = createSnapshot(1, [], 'db_1');
    const restarting = fromSwitchPayload({
      id: 'ks_restart',
      scope: 'platform',
      targetType: 'platform',
      targetValue: 'meta',
      clientId: null,
      platform: null,
      reason: 'restarting after a fix',
      activatedAt: new Date(0).toISOString(),
      activatedBy: 'someone',
      expiresAt: null,
      mode: 'throttle',
      allowActions: null,
      fraction: null,
      restart: { steps: [0.5, 1], everyMs: 1_000, startedAt: new Date(0).toISOString() },
    });
    const reducing = {
      ...restarting,
      id: 'ks_reduce',
      targetValue: 'x',
      mode: 'reduce',
      allowActions: ['delete'],
      restart: null,
    } as const;
    const next = createSnapshot(2, [restarting, reducing], 'db_1');
    const wire = decodeNotice(
      encodeNotice({ version: 2, databaseId: 'db_1', base: 1, changes: diffSnapshots(base, next) }),
    );
    const patched = wire && applyNotice(base, wire);
    expect(patched?.index.switches).toEqual(next.index.switches);
    expect(patched?.index.switches[0]?.restart?.startedAt).toEqual(new Date(0));
  });
});
