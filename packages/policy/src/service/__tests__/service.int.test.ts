/**
 * The specification's service scenarios, asserted on real state in
 * PostgreSQL and Redis rather than on call counts.
 */
import { killSwitches } from '@rtv/db';
import { waitFor } from '@rtv/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConflictError, isNotFoundError, isValidationError } from '../../errors';
import type { KillSwitchService } from '../../types';
import { ADMIN, type Harness, REASON, createHarness } from './harness';

let h: Harness;
let service: KillSwitchService;
beforeAll(async () => {
  h = await createHarness();
  service = h.service();
  await service.ready();
});
afterAll(async () => {
  await h?.close();
});

const ctx = (clientId: string, action = 'publish', platform: string | undefined = 'meta') => ({
  clientId,
  action,
  platform,
});

describe('isTripped', () => {
  it('answers not tripped when no switch is active', async () => {
    const result = await service.isTripped(ctx('client_abc'));
    expect(result).toMatchObject({ tripped: false, switch: null, reason: null });
    // Shared and frozen: a check allocates no result of its own.
    expect(Object.isFrozen(result)).toBe(true);
    expect(await service.isTripped(ctx('client_other'))).toBe(result);
    expect(service.check(ctx('client_abc'))).toBe(result);
  });

  it('times each check and reports it only when asked to (timeEachCheck)', async () => {
    const timed = h.service({ timeEachCheck: true });
    await timed.ready();
    const result = await timed.isTripped(ctx('client_abc'));
    expect(result.checkDurationMs).toBeGreaterThanOrEqual(0);
    expect(timed.checkStats()).toMatchObject({ checks: 1, sampledChecks: 1 });
    expect((await service.isTripped(ctx('client_abc'))).checkDurationMs).toBeUndefined();
  });

  it('answers tripped by an active global switch, with its id and reason', async () => {
    const sw = await service.create({ scope: 'global', targetType: 'all', targetValue: '*', createdBy: ADMIN });
    await service.activate({ id: sw.id, reason: 'System maintenance window', activatedBy: ADMIN });
    const result = await service.isTripped(ctx('client_abc'));
    expect(result.tripped).toBe(true);
    expect(result.switch?.id).toBe(sw.id);
    expect(result.reason).toBe('System maintenance window');
    await service.deactivate({ id: sw.id, reason: 'Maintenance finished', deactivatedBy: ADMIN });
    expect((await service.isTripped(ctx('client_abc'))).tripped).toBe(false);
  });

  it('reports the switch of highest priority when several match', async () => {
    const client = 'client_prio';
    const make = (input: Parameters<KillSwitchService['create']>[0]) => service.create(input);
    const action = await make({ scope: 'action', targetType: 'action', targetValue: 'prio_act', createdBy: ADMIN });
    const platform = await make({
      scope: 'platform',
      targetType: 'platform',
      targetValue: 'prio_pf',
      createdBy: ADMIN,
    });
    const clientAll = await make({
      scope: 'client',
      clientId: client,
      targetType: 'all',
      targetValue: '*',
      createdBy: ADMIN,
    });
    const check = () => service.isTripped({ clientId: client, action: 'prio_act', platform: 'prio_pf' });
    await service.activate({ id: action.id, reason: REASON, activatedBy: ADMIN });
    expect((await check()).switch?.id).toBe(action.id);
    await service.activate({ id: platform.id, reason: REASON, activatedBy: ADMIN });
    expect((await check()).switch?.id).toBe(platform.id);
    await service.activate({ id: clientAll.id, reason: REASON, activatedBy: ADMIN });
    expect((await check()).switch?.id).toBe(clientAll.id);
    await service.deactivate({ id: clientAll.id, reason: REASON, deactivatedBy: ADMIN });
    expect((await check()).switch?.id).toBe(platform.id);
  });

  it("never lets a client's switch block another client", async () => {
    const sw = await service.create({
      scope: 'client',
      clientId: 'client_iso_a',
      targetType: 'all',
      targetValue: '*',
      createdBy: ADMIN,
    });
    await service.activate({ id: sw.id, reason: REASON, activatedBy: ADMIN });
    expect((await service.isTripped(ctx('client_iso_a'))).tripped).toBe(true);
    expect((await service.isTripped(ctx('client_iso_b'))).tripped).toBe(false);
  });

  it('loads a cold instance from PostgreSQL when Redis lacks the snapshot', async () => {
    const sw = await service.create({
      scope: 'platform',
      targetType: 'platform',
      targetValue: 'cold_pf',
      createdBy: ADMIN,
    });
    await service.activate({ id: sw.id, reason: REASON, activatedBy: ADMIN });
    await h.redis.del(`${h.keyPrefix}snapshot`);
    const cold = h.service();
    const result = await cold.isTripped({ clientId: 'anyone', action: 'publish', platform: 'cold_pf' });
    expect(result.switch?.id).toBe(sw.id);
    // ... and puts the snapshot back into Redis for the next cold instance.
    expect(await h.redis.hget(`${h.keyPrefix}snapshot`, 'version')).not.toBeNull();
  });

  it('rejects a malformed context with a typed error naming the field', async () => {
    await expect(service.isTripped({ clientId: '', action: 'publish' })).rejects.toSatisfy(
      (e: unknown) => isValidationError(e) && e.issues[0]?.field === 'clientId',
    );
    await expect(service.isTripped({ clientId: 'c', action: 42 as unknown as string })).rejects.toSatisfy(
      (e: unknown) => isValidationError(e) && e.issues[0]?.field === 'action',
    );
  });
});

describe('activate', () => {
  it('activates in one transaction: row, history and audit record with previous and new state', async () => {
    const sw = await service.create({
      scope: 'global',
      targetType: 'platform',
      targetValue: 'tiktok',
      createdBy: ADMIN,
    });
    const result = await service.activate({
      id: sw.id,
      reason: 'API instability',
      activatedBy: ADMIN,
      incidentId: 'INC-001',
    });
    expect(result.changed).toBe(true);
    const [row] = await h.database.db.select().from(killSwitches).where(eq(killSwitches.id, sw.id));
    expect(row).toMatchObject({ isActive: true, reason: 'API instability', activatedBy: ADMIN });
    const history = await h.historyFor(sw.id);
    expect(history.map((e) => e.action)).toEqual(['created', 'activated']);
    expect(history[1]).toMatchObject({ previousState: false, newState: true, performedBy: ADMIN });
    const audit = await h.auditFor(sw.id);
    expect(audit.map((a) => a.type)).toEqual(['KILL_SWITCH_CREATED', 'KILL_SWITCH_ACTIVATED']);
    expect(audit[1]).toMatchObject({ actor: ADMIN, target: sw.id });
    expect(audit[1]?.metadata).toMatchObject({
      reason: 'API instability',
      incidentId: 'INC-001',
      previousState: false,
      newState: true,
    });
  });

  it('is a no-op when already active: no history, no audit', async () => {
    const sw = await service.create({
      scope: 'action',
      targetType: 'action',
      targetValue: 'noop_act',
      createdBy: ADMIN,
    });
    await service.activate({ id: sw.id, reason: REASON, activatedBy: ADMIN });
    const again = await service.activate({ id: sw.id, reason: 'Duplicate activation', activatedBy: ADMIN });
    expect(again.changed).toBe(false);
    expect((await h.historyFor(sw.id)).filter((e) => e.action === 'activated')).toHaveLength(1);
    expect((await h.auditFor(sw.id)).filter((a) => a.type === 'KILL_SWITCH_ACTIVATED')).toHaveLength(1);
  });

  it('throws NotFoundError for a switch that does not exist', async () => {
    await expect(service.activate({ id: 'nonexistent', reason: REASON, activatedBy: ADMIN })).rejects.toThrow(
      'Kill switch not found: nonexistent',
    );
    await expect(service.activate({ id: 'nonexistent', reason: REASON, activatedBy: ADMIN })).rejects.toSatisfy(
      isNotFoundError,
    );
  });

  it('requires a reason of at least 10 characters, and changes nothing', async () => {
    const sw = await service.create({
      scope: 'action',
      targetType: 'action',
      targetValue: 'short_reason',
      createdBy: ADMIN,
    });
    const error = await service.activate({ id: sw.id, reason: 'Test', activatedBy: ADMIN }).catch((e: unknown) => e);
    expect(isValidationError(error) && error.issues[0]?.field).toBe('reason');
    expect((await service.getById(sw.id)).isActive).toBe(false);
    expect((await h.historyFor(sw.id)).map((e) => e.action)).toEqual(['created']);
  });

  it('50 concurrent activations from two instances make exactly one transition', async () => {
    const other = h.service();
    const sw = await service.create({
      scope: 'action',
      targetType: 'action',
      targetValue: 'race_act',
      createdBy: ADMIN,
    });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 === 0 ? service : other).activate({ id: sw.id, reason: `${REASON} #${i}`, activatedBy: ADMIN }),
      ),
    );
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    expect((await h.historyFor(sw.id)).filter((e) => e.action === 'activated')).toHaveLength(1);
    expect((await h.auditFor(sw.id)).filter((a) => a.type === 'KILL_SWITCH_ACTIVATED')).toHaveLength(1);
  });
});

describe('deactivate', () => {
  it('deactivates with history and an audit record carrying activeDuration', async () => {
    const sw = await service.create({
      scope: 'global',
      targetType: 'platform',
      targetValue: 'deact_pf',
      createdBy: ADMIN,
    });
    await service.activate({ id: sw.id, reason: 'API instability', activatedBy: ADMIN });
    const result = await service.deactivate({
      id: sw.id,
      reason: 'Issue resolved now',
      deactivatedBy: 'user_admin_002',
    });
    expect(result.changed).toBe(true);
    expect(result.switch.isActive).toBe(false);
    const audit = (await h.auditFor(sw.id)).find((a) => a.type === 'KILL_SWITCH_DEACTIVATED');
    expect(audit?.actor).toBe('user_admin_002');
    expect(audit?.metadata).toMatchObject({ reason: 'Issue resolved now', previousState: true, newState: false });
    expect(typeof audit?.metadata.activeDuration).toBe('number');
    const history = await h.historyFor(sw.id);
    expect(history.at(-1)).toMatchObject({ action: 'deactivated', previousState: true, newState: false });
    expect(typeof history.at(-1)?.metadata?.activeDuration).toBe('number');
    const noop = await service.deactivate({ id: sw.id, reason: 'Issue resolved twice', deactivatedBy: ADMIN });
    expect(noop.changed).toBe(false);
    expect((await h.historyFor(sw.id)).length).toBe(history.length);
  });
});

describe('create', () => {
  it('creates an inactive switch with a ks_ id, a created history row and an audit record', async () => {
    const sw = await service.create({
      scope: 'client',
      targetType: 'action',
      targetValue: 'engage',
      clientId: 'client_abc',
      createdBy: ADMIN,
    });
    expect(sw.id).toMatch(/^ks_/);
    expect(sw).toMatchObject({ scope: 'client', isActive: false, clientId: 'client_abc' });
    expect((await h.historyFor(sw.id)).map((e) => e.action)).toEqual(['created']);
    expect((await h.auditFor(sw.id)).map((a) => a.type)).toEqual(['KILL_SWITCH_CREATED']);
  });

  it.each([
    [{ scope: 'client', targetType: 'action', targetValue: 'engage' }, 'Client scope requires clientId', 'clientId'],
    [
      { scope: 'global', targetType: 'all', targetValue: '*', clientId: 'client_abc' },
      'Global scope cannot have clientId',
      'clientId',
    ],
    [
      { scope: 'platform', targetType: 'action', targetValue: 'x' },
      "Platform scope requires targetType 'platform'",
      'targetType',
    ],
    [
      { scope: 'global', targetType: 'all', targetValue: 'meta' },
      "targetType 'all' requires targetValue '*'",
      'targetValue',
    ],
    [{ scope: 'galaxy', targetType: 'all', targetValue: '*' }, 'scope must be one of', 'scope'],
  ])('refuses %j: %s', async (input, message, field) => {
    const before = await h.database.db.select().from(killSwitches);
    const error = await service.create({ ...input, createdBy: ADMIN } as never).catch((e: unknown) => e);
    expect(isValidationError(error)).toBe(true);
    expect(String((error as Error).message)).toContain(message);
    expect(isValidationError(error) && error.issues.map((i) => i.field)).toContain(field);
    expect(await h.database.db.select().from(killSwitches)).toHaveLength(before.length);
  });

  it('refuses a duplicate target with ConflictError, even with NULL client and platform', async () => {
    const input = { scope: 'platform', targetType: 'platform', targetValue: 'dup_pf', createdBy: ADMIN } as const;
    await service.create(input);
    await expect(service.create(input)).rejects.toSatisfy(isConflictError);
    const again = await service.ensure(input);
    expect(again.targetValue).toBe('dup_pf');
  });
});

describe('listActive', () => {
  it('lists active switches and combines filters', async () => {
    const a = await service.create({
      scope: 'client',
      clientId: 'list_a',
      targetType: 'platform',
      targetValue: 'meta',
      createdBy: ADMIN,
    });
    const b = await service.create({
      scope: 'client',
      clientId: 'list_b',
      targetType: 'platform',
      targetValue: 'meta',
      createdBy: ADMIN,
    });
    const c = await service.create({
      scope: 'action',
      clientId: 'list_a',
      targetType: 'action',
      targetValue: 'publish',
      createdBy: ADMIN,
    });
    const inactive = await service.create({
      scope: 'client',
      clientId: 'list_a',
      targetType: 'action',
      targetValue: 'x',
      createdBy: ADMIN,
    });
    for (const sw of [a, b, c]) await service.activate({ id: sw.id, reason: REASON, activatedBy: ADMIN });

    const all = (await service.listActive()).map((s) => s.id);
    expect(all).toEqual(expect.arrayContaining([a.id, b.id, c.id]));
    expect(all).not.toContain(inactive.id);

    const byClient = (await service.listActive({ clientId: 'list_a' })).map((s) => s.id).sort();
    expect(byClient).toEqual([a.id, c.id].sort());

    // Both filters must apply: a chained .where() would keep only the last one.
    const combined = (await service.listActive({ scope: 'client', clientId: 'list_a' })).map((s) => s.id);
    expect(combined).toEqual([a.id]);

    const onPlatform = (await service.listActive({ clientId: 'list_b', platform: 'meta' })).map((s) => s.id);
    expect(onPlatform).toEqual([b.id]);
    expect((await service.listActive({ scope: 'global' })).every((s) => s.scope === 'global')).toBe(true);
  });
});

describe('expiry', () => {
  it('stops blocking at expiresAt with no sweeper, then the sweeper records expired', async () => {
    let now = Date.now();
    const clock = { now: () => now };
    const timed = h.service({ clock });
    await timed.ready();
    const sw = await timed.create({ scope: 'action', targetType: 'action', targetValue: 'hold_act', createdBy: ADMIN });
    await timed.activate({
      id: sw.id,
      reason: 'Temporary compliance hold',
      activatedBy: ADMIN,
      expiresAt: new Date(now + 60_000),
    });
    // The activation's receipt is audited too, in the background: settled first, so the expiry is the last record.
    await timed.fleet.awaitReceipt();
    const check = () => timed.isTripped({ clientId: 'c', action: 'hold_act' });
    expect((await check()).tripped).toBe(true);
    now += 60_000;
    expect((await check()).tripped).toBe(false);
    expect(await timed.listActive({ scope: 'action' })).not.toContainEqual(expect.objectContaining({ id: sw.id }));
    expect(await timed.sweepExpired()).toBe(1);
    const history = await h.historyFor(sw.id);
    expect(history.at(-1)).toMatchObject({ action: 'expired', performedBy: 'system:expiry', newState: false });
    expect((await h.auditFor(sw.id)).at(-1)?.type).toBe('KILL_SWITCH_EXPIRED');
    expect((await timed.getById(sw.id)).isActive).toBe(false);
    expect(await timed.sweepExpired()).toBe(0);
  });

  it('refuses an expiry in the past', async () => {
    const sw = await service.create({
      scope: 'action',
      targetType: 'action',
      targetValue: 'past_act',
      createdBy: ADMIN,
    });
    const error = await service
      .activate({ id: sw.id, reason: REASON, activatedBy: ADMIN, expiresAt: new Date(Date.now() - 1000) })
      .catch((e: unknown) => e);
    expect(isValidationError(error) && error.issues[0]?.field).toBe('expiresAt');
  });
});

describe('propagation', () => {
  it('an activation on one instance is seen by another within 200 ms over pub/sub', async () => {
    // Polling every minute: only the pub/sub notice can deliver the change in time.
    const writerInstance = h.service({ pollIntervalMs: 60_000 });
    const reader = h.service({ pollIntervalMs: 60_000 });
    await Promise.all([writerInstance.ready(), reader.ready()]);
    const sw = await writerInstance.create({
      scope: 'platform',
      targetType: 'platform',
      targetValue: 'prop_pf',
      createdBy: ADMIN,
    });
    const probe = { clientId: 'c', action: 'publish', platform: 'prop_pf' };
    expect((await reader.isTripped(probe)).tripped).toBe(false);
    await writerInstance.activate({ id: sw.id, reason: REASON, activatedBy: ADMIN });
    expect((await writerInstance.isTripped(probe)).tripped).toBe(true);
    await waitFor(async () => (await reader.isTripped(probe)).tripped, {
      timeoutMs: 200,
      what: 'the reader to see the activation',
    });
  });

  it('getHistory lists transitions in order and getById throws NotFoundError', async () => {
    const sw = await service.create({
      scope: 'action',
      targetType: 'action',
      targetValue: 'hist_act',
      createdBy: ADMIN,
    });
    await service.activate({ id: sw.id, reason: REASON, activatedBy: ADMIN });
    await service.deactivate({ id: sw.id, reason: REASON, deactivatedBy: ADMIN });
    expect((await service.getHistory(sw.id)).map((e) => e.action)).toEqual(['created', 'activated', 'deactivated']);
    await expect(service.getById('ks_missing')).rejects.toThrow('Kill switch not found: ks_missing');
  });
});
