/**
 * The SwitchStore contract, run on every adapter (drizzle's one suite per
 * driver): the memory store and the Postgres store on PostgreSQL and PGlite
 * must answer alike, or the unit tests built on memory would prove nothing.
 */
import { type Database, auditEvents } from '@rtv/db';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConflictError, isNotFoundError } from '../../errors';
import type { SwitchStore } from '../../ports';
import type { TestClock } from '../../testing/test-clock';

export interface StoreUnderTest {
  store: SwitchStore;
  clock: TestClock;
  /** Audit record types for a target, in chain order. */
  auditTypes(target: string): Promise<string[]>;
  close(): Promise<void>;
}

/** The audit record types of a target in a database, in chain order (both Postgres drivers). */
export async function auditTypesIn(db: Database, target: string): Promise<string[]> {
  const rows = await db
    .select({ type: auditEvents.type })
    .from(auditEvents)
    .where(eq(auditEvents.target, target))
    .orderBy(asc(auditEvents.seq));
  return rows.map((r) => r.type);
}

const ACTOR = 'contract-tester';
const REASON = 'contract suite reason';

export function switchStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`SwitchStore contract: ${name}`, () => {
    let t: StoreUnderTest;
    let n = 0;
    const uniqueClient = () => `client_${name.replace(/\W/g, '')}_${++n}`;
    beforeAll(async () => {
      t = await open();
    });
    afterAll(async () => {
      await t?.close();
    });

    const createClientAll = (clientId = uniqueClient()) =>
      t.store.create({ scope: 'client', targetType: 'all', targetValue: '*', clientId, createdBy: ACTOR });

    it('creates an inactive switch with its created history and audit record, without moving the version', async () => {
      const before = await t.store.readVersion();
      const row = await createClientAll();
      expect(row).toMatchObject({ isActive: false, reason: null, activatedBy: null, scope: 'client' });
      expect(row.id).toMatch(/^ks_/);
      expect(await t.store.get(row.id)).toEqual(row);
      expect((await t.store.history(row.id)).map((h) => [h.action, h.previousState, h.newState])).toEqual([
        ['created', null, false],
      ]);
      expect(await t.auditTypes(row.id)).toEqual(['KILL_SWITCH_CREATED']);
      expect(await t.store.readVersion()).toBe(before);
    });

    it('refuses a second switch for the same target with CONFLICT, nulls included', async () => {
      const clientId = uniqueClient();
      await createClientAll(clientId);
      await expect(createClientAll(clientId)).rejects.toSatisfy(isConflictError);
      const action = { scope: 'action', targetType: 'action', targetValue: `act_${name.length}_${n}` } as const;
      await t.store.create({ ...action, createdBy: ACTOR });
      await expect(t.store.create({ ...action, createdBy: ACTOR })).rejects.toSatisfy(isConflictError);
    });

    it('activates once: state, history, audit and version move together; a second activate changes nothing', async () => {
      const row = await createClientAll();
      const before = await t.store.readVersion();
      const first = await t.store.activate({ id: row.id, reason: REASON, activatedBy: ACTOR, metadata: { a: 1 } });
      expect(first.changed).toBe(true);
      expect(first.row).toMatchObject({ isActive: true, reason: REASON, activatedBy: ACTOR });
      expect(first.row.activatedAt?.getTime()).toBe(t.clock.now());
      expect(await t.store.readVersion()).toBe(before + 1);
      const again = await t.store.activate({ id: row.id, reason: REASON, activatedBy: ACTOR });
      expect(again.changed).toBe(false);
      expect(await t.store.readVersion()).toBe(before + 1);
      const history = await t.store.history(row.id);
      expect(history.map((h) => h.action)).toEqual(['created', 'activated']);
      expect(history[1]?.metadata).toMatchObject({ trigger: 'manual', a: 1 });
      expect(await t.auditTypes(row.id)).toEqual(['KILL_SWITCH_CREATED', 'KILL_SWITCH_ACTIVATED']);
    });

    it('extends or re-reasons an active hold when asked (updateHold), in one transition; the same hold again changes nothing', async () => {
      const row = await createClientAll();
      const firstExpiry = new Date(t.clock.now() + 60_000);
      await t.store.activate({ id: row.id, reason: REASON, activatedBy: ACTOR, expiresAt: firstExpiry });
      const before = await t.store.readVersion();
      t.clock.advance(1_000);
      const laterExpiry = new Date(t.clock.now() + 3_600_000);
      const extended = await t.store.activate({
        id: row.id,
        reason: 'contract suite: extended hold',
        activatedBy: 'second-operator',
        expiresAt: laterExpiry,
        updateHold: true,
      });
      expect(extended).toMatchObject({ changed: true, updated: true });
      expect(extended.row).toMatchObject({
        isActive: true,
        reason: 'contract suite: extended hold',
        activatedBy: ACTOR,
      });
      expect(extended.row.expiresAt?.getTime()).toBe(laterExpiry.getTime());
      expect(await t.store.readVersion()).toBe(before + 1);
      const last = (await t.store.history(row.id)).at(-1);
      expect(last).toMatchObject({
        action: 'updated',
        previousState: true,
        newState: true,
        performedBy: 'second-operator',
      });
      expect(last?.metadata).toMatchObject({
        previousReason: REASON,
        previousExpiresAt: firstExpiry.toISOString(),
        expiresAt: laterExpiry.toISOString(),
      });
      const same = await t.store.activate({
        id: row.id,
        reason: 'contract suite: extended hold',
        activatedBy: 'second-operator',
        expiresAt: laterExpiry,
        updateHold: true,
      });
      expect(same.changed).toBe(false);
      // No expiresAt keeps the current expiry: with the same reason it is a no-op too.
      const noExpiry = await t.store.activate({
        id: row.id,
        reason: 'contract suite: extended hold',
        activatedBy: ACTOR,
      });
      expect(noExpiry.changed).toBe(false);
      expect(await t.store.readVersion()).toBe(before + 1);
      expect(await t.auditTypes(row.id)).toEqual([
        'KILL_SWITCH_CREATED',
        'KILL_SWITCH_ACTIVATED',
        'KILL_SWITCH_UPDATED',
      ]);
    });

    it('activates many in one unit of work: each with history and audit, one version bump, input order kept', async () => {
      const rows = await Promise.all([1, 2, 3].map(() => createClientAll()));
      const [first, second, third] = rows.map((row) => row.id) as [string, string, string];
      await t.store.activate({ id: second, reason: REASON, activatedBy: ACTOR });
      const before = await t.store.readVersion();
      const results = await t.store.activateMany([
        { id: third, reason: REASON, activatedBy: 'storm' },
        { id: second, reason: 'contract suite: already on', activatedBy: 'storm' },
        { id: first, reason: REASON, activatedBy: 'storm' },
      ]);
      expect(results.map((r) => [r.row.id, r.changed])).toEqual([
        [third, true],
        [second, false],
        [first, true],
      ]);
      expect(await t.store.readVersion()).toBe(before + 1);
      for (const id of [first, third]) {
        expect((await t.store.get(id))?.isActive).toBe(true);
        expect((await t.store.history(id)).map((h) => h.action)).toEqual(['created', 'activated']);
        expect(await t.auditTypes(id)).toEqual(['KILL_SWITCH_CREATED', 'KILL_SWITCH_ACTIVATED']);
      }
      expect(await t.auditTypes(second)).toEqual(['KILL_SWITCH_CREATED', 'KILL_SWITCH_ACTIVATED']);
    });

    it('activates none when one id of the batch is unknown: NOT_FOUND naming it', async () => {
      const row = await createClientAll();
      const before = await t.store.readVersion();
      const error = await t.store
        .activateMany([
          { id: row.id, reason: REASON, activatedBy: 'storm' },
          { id: 'ks_missing_in_batch', reason: REASON, activatedBy: 'storm' },
        ])
        .catch((e: unknown) => e);
      expect(error).toSatisfy(isNotFoundError);
      expect((error as Error).message).toContain('ks_missing_in_batch');
      expect((await t.store.get(row.id))?.isActive).toBe(false);
      expect(await t.store.readVersion()).toBe(before);
      expect(await t.auditTypes(row.id)).toEqual(['KILL_SWITCH_CREATED']);
      expect(await t.store.activateMany([])).toEqual([]);
    });

    it('deactivates once, recording how long the switch was active', async () => {
      const row = await createClientAll();
      await t.store.activate({ id: row.id, reason: REASON, activatedBy: ACTOR });
      t.clock.advance(1_500);
      const off = await t.store.deactivate({ id: row.id, reason: REASON, deactivatedBy: ACTOR });
      expect(off.changed).toBe(true);
      expect(off.row).toMatchObject({ isActive: false, reason: null, activatedAt: null, expiresAt: null });
      expect((await t.store.deactivate({ id: row.id, reason: REASON, deactivatedBy: ACTOR })).changed).toBe(false);
      const last = (await t.store.history(row.id)).at(-1);
      expect(last).toMatchObject({ action: 'deactivated', previousState: true, newState: false, performedBy: ACTOR });
      expect(last?.metadata).toMatchObject({ activeDuration: 1_500, activatedBy: ACTOR, activationReason: REASON });
    });

    it('changes the mode of an active switch in one updated transition; the same mode again changes nothing', async () => {
      const row = await createClientAll();
      await t.store.activate({
        id: row.id,
        reason: REASON,
        activatedBy: ACTOR,
        mode: 'reduce',
        allowActions: ['delete'],
      });
      expect(await t.store.get(row.id)).toMatchObject({ mode: 'reduce', allowActions: ['delete'], fraction: null });
      const before = await t.store.readVersion();
      const throttled = await t.store.activate({
        id: row.id,
        reason: REASON,
        activatedBy: ACTOR,
        mode: 'throttle',
        fraction: 0.25,
      });
      expect(throttled).toMatchObject({ changed: true, updated: true, row: { mode: 'throttle', fraction: 0.25 } });
      expect(await t.store.readVersion()).toBe(before + 1);
      const again = await t.store.activate({
        id: row.id,
        reason: REASON,
        activatedBy: ACTOR,
        mode: 'throttle',
        fraction: 0.25,
      });
      expect(again.changed).toBe(false);
      expect((await t.store.history(row.id)).map((h) => h.action)).toEqual(['created', 'activated', 'updated']);
      expect((await t.store.loadActive()).active.find((a) => a.id === row.id)).toMatchObject({ mode: 'throttle' });
    });

    it('restarts gradually: the plan on the row, each step passed recorded by system:restart, released after the last', async () => {
      const row = await createClientAll();
      await t.store.activate({ id: row.id, reason: REASON, activatedBy: ACTOR });
      const startedAt = t.clock.now();
      const restarted = await t.store.deactivate({
        id: row.id,
        reason: REASON,
        deactivatedBy: ACTOR,
        restart: { steps: [0.5, 0.75, 1], everyMs: 10_000 },
      });
      expect(restarted).toMatchObject({ changed: true, row: { isActive: true, mode: 'throttle' } });
      expect(restarted.row.restart).toEqual({
        steps: [0.5, 0.75, 1],
        everyMs: 10_000,
        startedAt: new Date(startedAt).toISOString(),
        recordedStep: 0,
      });
      const repeated = await t.store.deactivate({
        id: row.id,
        reason: REASON,
        deactivatedBy: ACTOR,
        restart: { steps: [0.5, 1], everyMs: 1_000 },
      });
      expect(repeated.changed).toBe(false);
      expect((await t.store.advanceRestarts()).map((r) => r.id)).not.toContain(row.id);
      t.clock.advance(25_000); // past two steps at once
      expect((await t.store.advanceRestarts()).map((r) => r.id)).toContain(row.id);
      expect(await t.store.get(row.id)).toMatchObject({ isActive: false, mode: 'halt', restart: null });
      const steps = (await t.store.history(row.id)).filter((h) => h.action === 'restart_step');
      expect(steps.map((h) => [h.performedBy, h.newState, (h.metadata as { fraction: number }).fraction])).toEqual([
        ['system:restart', true, 0.75],
        ['system:restart', false, 1],
      ]);
      expect(await t.auditTypes(row.id)).toEqual([
        'KILL_SWITCH_CREATED',
        'KILL_SWITCH_ACTIVATED',
        'KILL_SWITCH_RESTART_STARTED',
        'KILL_SWITCH_RESTART_STEP',
        'KILL_SWITCH_RESTART_STEP',
      ]);
    });

    it('says NOT_FOUND for an unknown id on both transitions, and get answers undefined', async () => {
      await expect(t.store.activate({ id: 'ks_missing', reason: REASON, activatedBy: ACTOR })).rejects.toSatisfy(
        isNotFoundError,
      );
      await expect(t.store.deactivate({ id: 'ks_missing', reason: REASON, deactivatedBy: ACTOR })).rejects.toSatisfy(
        isNotFoundError,
      );
      expect(await t.store.get('ks_missing')).toBeUndefined();
      expect(await t.store.history('ks_missing')).toEqual([]);
    });

    it('expires what is due, once, with expired history by system:expiry, and re-activates an expired switch', async () => {
      const row = await createClientAll();
      const expiresAt = new Date(t.clock.now() + 1_000);
      await t.store.activate({ id: row.id, reason: REASON, activatedBy: ACTOR, expiresAt });
      expect((await t.store.expireDue()).map((r) => r.id)).not.toContain(row.id);
      t.clock.advance(1_000);
      const version = await t.store.readVersion();
      expect((await t.store.expireDue()).map((r) => r.id)).toContain(row.id);
      expect(await t.store.readVersion()).toBe(version + 1);
      expect(await t.store.expireDue()).toEqual([]);
      expect((await t.store.history(row.id)).at(-1)).toMatchObject({ action: 'expired', performedBy: 'system:expiry' });
      expect((await t.store.get(row.id))?.isActive).toBe(false);
    });

    it('finds a switch by its exact target, telling NULL client and platform apart', async () => {
      const clientId = uniqueClient();
      const value = `find_${n}`;
      const global = await t.store.create({
        scope: 'action',
        targetType: 'action',
        targetValue: value,
        createdBy: ACTOR,
      });
      const narrowed = await t.store.create({
        scope: 'action',
        targetType: 'action',
        targetValue: value,
        platform: 'meta',
        clientId,
        createdBy: ACTOR,
      });
      const target = { scope: 'action', targetType: 'action', targetValue: value } as const;
      expect((await t.store.findByTarget({ ...target, clientId: null, platform: null }))?.id).toBe(global.id);
      expect((await t.store.findByTarget({ ...target, clientId, platform: 'meta' }))?.id).toBe(narrowed.id);
      expect(await t.store.findByTarget({ ...target, clientId, platform: null })).toBeUndefined();
    });

    it('lists with filters combined by AND, newest activation first then by id, inactive first', async () => {
      const clientId = uniqueClient();
      const a = await createClientAll(clientId);
      const b = await t.store.create({
        scope: 'platform',
        targetType: 'platform',
        targetValue: 'tiktok',
        clientId,
        createdBy: ACTOR,
      });
      const c = await t.store.create({
        scope: 'action',
        targetType: 'action',
        targetValue: 'publish',
        platform: 'tiktok',
        clientId,
        createdBy: ACTOR,
      });
      await t.store.activate({ id: a.id, reason: REASON, activatedBy: ACTOR });
      t.clock.advance(10);
      await t.store.activate({ id: b.id, reason: REASON, activatedBy: ACTOR, expiresAt: new Date(t.clock.now() + 50) });
      const ids = async (filter: Parameters<SwitchStore['list']>[0]) => (await t.store.list(filter)).map((r) => r.id);
      expect(await ids({ clientId })).toEqual([c.id, b.id, a.id]);
      expect(await ids({ clientId, activeAt: new Date(t.clock.now()) })).toEqual([b.id, a.id]);
      expect(await ids({ clientId, platform: 'tiktok' })).toEqual([c.id, b.id]);
      expect(await ids({ clientId, scope: 'platform' })).toEqual([b.id]);
      expect(await ids({ clientId, targetType: 'action' })).toEqual([c.id]);
      expect(await ids({ clientId, activeAt: new Date(t.clock.now() + 100) })).toEqual([a.id]);
    });

    it('loads exactly the active switches with the version they belong to', async () => {
      const row = await createClientAll();
      await t.store.activate({ id: row.id, reason: REASON, activatedBy: ACTOR });
      const state = await t.store.loadActive();
      expect(state.version).toBe(await t.store.readVersion());
      expect(state.active.every((r) => r.isActive)).toBe(true);
      expect(state.active.map((r) => r.id)).toContain(row.id);
      await t.store.deactivate({ id: row.id, reason: REASON, deactivatedBy: ACTOR });
      expect((await t.store.loadActive()).active.map((r) => r.id)).not.toContain(row.id);
    });

    it('appends a record with no state change to the same trail', async () => {
      const row = await createClientAll();
      await t.store.appendAudit({ type: 'KILL_SWITCH_ACCESS_DENIED', actor: 'intruder', target: row.id });
      expect(await t.auditTypes(row.id)).toEqual(['KILL_SWITCH_CREATED', 'KILL_SWITCH_ACCESS_DENIED']);
      expect((await t.store.history(row.id)).map((h) => h.action)).toEqual(['created']);
    });
  });
}
