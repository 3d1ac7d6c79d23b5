/**
 * The specification's schema tests, plus the guards the database itself
 * must enforce, run on real PostgreSQL and on the embedded PGlite.
 */
import { type TestDatabase, availableBackends, createTestDatabase } from '@rtv/testing';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type NewKillSwitch,
  auditEvents,
  incidentEvents,
  incidents,
  killSwitchHistory,
  killSwitchState,
  killSwitches,
  pgErrorCode,
} from '../index';

let counter = 0;
const nextId = (prefix = 'ks_test_') => `${prefix}${++counter}`;

function inactive(values: Partial<NewKillSwitch>): NewKillSwitch {
  return {
    id: nextId(),
    scope: 'global',
    targetType: 'all',
    targetValue: '*',
    isActive: false,
    reason: null,
    activatedBy: null,
    activatedAt: null,
    ...values,
  };
}

describe.each(availableBackends())('schema on %s', (backend) => {
  let handle: TestDatabase;
  beforeAll(async () => {
    handle = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await handle?.close();
  });

  /** The SQLSTATE an insert fails with, so each test names the guard it expects. */
  async function failureCode(run: () => Promise<unknown>): Promise<string | undefined> {
    try {
      await run();
    } catch (error) {
      return pgErrorCode(error);
    }
    throw new Error('expected the database to refuse the statement');
  }

  describe('kill_switches', () => {
    it('creates a global kill switch with no client', async () => {
      const [ks] = await handle.db.insert(killSwitches).values(inactive({})).returning();
      expect(ks?.scope).toBe('global');
      expect(ks?.clientId).toBeNull();
      expect(ks?.isActive).toBe(false);
      expect(ks?.expiresAt).toBeNull();
    });

    it('creates a client-scoped kill switch', async () => {
      const [ks] = await handle.db
        .insert(killSwitches)
        .values(inactive({ clientId: 'client_abc', scope: 'client', targetType: 'platform', targetValue: 'meta' }))
        .returning();
      expect(ks?.scope).toBe('client');
      expect(ks?.clientId).toBe('client_abc');
    });

    it('enforces uniqueness of scope + target + client', async () => {
      const row = {
        clientId: 'client_abc',
        scope: 'client' as const,
        targetType: 'action' as const,
        targetValue: 'publish',
      };
      await handle.db.insert(killSwitches).values(inactive(row));
      expect(await failureCode(() => handle.db.insert(killSwitches).values(inactive(row)))).toBe('23505');
    });

    it('enforces uniqueness when client_id and platform are NULL', async () => {
      const row = { scope: 'global' as const, targetType: 'platform' as const, targetValue: 'tiktok' };
      await handle.db.insert(killSwitches).values(inactive(row));
      expect(await failureCode(() => handle.db.insert(killSwitches).values(inactive(row)))).toBe('23505');
    });

    it('still allows the same target for different clients and platforms', async () => {
      const base = { scope: 'action' as const, targetType: 'action' as const, targetValue: 'engage' };
      await handle.db
        .insert(killSwitches)
        .values([
          inactive(base),
          inactive({ ...base, clientId: 'client_a' }),
          inactive({ ...base, clientId: 'client_b' }),
          inactive({ ...base, platform: 'meta' }),
        ]);
      const rows = await handle.db.select().from(killSwitches).where(eq(killSwitches.targetValue, 'engage'));
      expect(rows).toHaveLength(4);
    });

    it('tracks activation metadata', async () => {
      const activatedAt = new Date('2026-01-02T03:04:05.678Z');
      const [ks] = await handle.db
        .insert(killSwitches)
        .values({
          id: nextId(),
          scope: 'global',
          targetType: 'platform',
          targetValue: 'youtube',
          isActive: true,
          reason: 'API outage detected',
          activatedBy: 'user_admin_001',
          activatedAt,
        })
        .returning();
      expect(ks?.isActive).toBe(true);
      expect(ks?.reason).toBe('API outage detected');
      expect(ks?.activatedBy).toBe('user_admin_001');
      expect(ks?.activatedAt).toEqual(activatedAt);
    });

    it.each([
      [
        'global scope with a client',
        { scope: 'global', clientId: 'client_x', targetValue: '*' },
        'kill_switches_global_no_client',
      ],
      ['client scope without a client', { scope: 'client', targetValue: '*' }, 'kill_switches_client_has_client'],
      [
        'platform scope on an action target',
        { scope: 'platform', targetType: 'action', targetValue: 'publish' },
        'kill_switches_platform_scope_target',
      ],
      [
        'action scope on a platform target',
        { scope: 'action', targetType: 'platform', targetValue: 'meta' },
        'kill_switches_action_scope_target',
      ],
      ['target all with a value other than *', { targetValue: 'meta' }, 'kill_switches_all_target_star'],
      ['an unknown scope', { scope: 'galaxy' }, 'kill_switches_scope_valid'],
      ['an unknown target type', { targetType: 'region', targetValue: 'eu' }, 'kill_switches_target_type_valid'],
      [
        'a platform on a non-action target',
        { targetType: 'platform', targetValue: 'meta', platform: 'meta' },
        'kill_switches_platform_only_on_action',
      ],
      [
        'an active switch without reason',
        { isActive: true, activatedBy: 'x', activatedAt: new Date(), clientId: 'c_reason', scope: 'client' },
        'kill_switches_active_has_reason',
      ],
      [
        'an active switch without activated_by',
        { isActive: true, reason: 'Because of things', activatedAt: new Date(), clientId: 'c_by', scope: 'client' },
        'kill_switches_active_has_reason',
      ],
    ])('refuses %s (CHECK %s)', async (_name, values, constraint) => {
      const error = await handle.db
        .insert(killSwitches)
        .values(inactive(values as Partial<NewKillSwitch>))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(pgErrorCode(error)).toBe('23514');
      expect(String((error as { cause?: unknown }).cause ?? error)).toContain(constraint);
    });
  });

  describe('kill_switch_history', () => {
    it('records state changes with jsonb metadata', async () => {
      const [ks] = await handle.db
        .insert(killSwitches)
        .values(inactive({ clientId: 'c_hist', scope: 'client' }))
        .returning();
      if (!ks) throw new Error('insert returned nothing');
      await handle.db.insert(killSwitchHistory).values({
        id: nextId('ksh_'),
        killSwitchId: ks.id,
        action: 'activated',
        previousState: false,
        newState: true,
        reason: 'Emergency stop',
        performedBy: 'user_admin_001',
        metadata: { trigger: 'manual', incident_id: 'INC-001' },
      });
      const history = await handle.db.select().from(killSwitchHistory).where(eq(killSwitchHistory.killSwitchId, ks.id));
      expect(history).toHaveLength(1);
      expect(history[0]?.action).toBe('activated');
      expect(history[0]?.metadata).toEqual({ trigger: 'manual', incident_id: 'INC-001' });
    });

    it('refuses history for a switch that does not exist (FK)', async () => {
      const code = await failureCode(() =>
        handle.db
          .insert(killSwitchHistory)
          .values({ id: nextId('ksh_'), killSwitchId: 'ks_missing', action: 'created', performedBy: 'x' }),
      );
      expect(code).toBe('23503');
    });
  });

  describe('append-only tables', () => {
    async function seedHistory(): Promise<string> {
      const [ks] = await handle.db
        .insert(killSwitches)
        .values(inactive({ clientId: nextId('c_'), scope: 'client' }))
        .returning();
      const id = nextId('ksh_');
      await handle.db
        .insert(killSwitchHistory)
        .values({ id, killSwitchId: ks?.id ?? '', action: 'created', performedBy: 'tester' });
      return id;
    }

    it('refuses UPDATE and DELETE on kill_switch_history', async () => {
      const id = await seedHistory();
      expect(
        await failureCode(() =>
          handle.db.update(killSwitchHistory).set({ reason: 'rewritten' }).where(eq(killSwitchHistory.id, id)),
        ),
      ).toBe('42501');
      expect(await failureCode(() => handle.db.delete(killSwitchHistory).where(eq(killSwitchHistory.id, id)))).toBe(
        '42501',
      );
      expect(await failureCode(() => handle.db.execute(sql`TRUNCATE kill_switch_history CASCADE`))).toBe('42501');
      const [row] = await handle.db.select().from(killSwitchHistory).where(eq(killSwitchHistory.id, id));
      expect(row?.reason).toBeNull();
    });

    it('refuses UPDATE and DELETE on audit_events', async () => {
      await handle.db.insert(auditEvents).values({
        seq: 1_000_000 + ++counter,
        id: nextId('aud_'),
        type: 'TEST',
        actor: 'tester',
        occurredAt: new Date(),
        prevHash: '0'.repeat(64),
        hash: '1'.repeat(64),
      });
      expect(await failureCode(() => handle.db.update(auditEvents).set({ actor: 'mallory' }))).toBe('42501');
      expect(await failureCode(() => handle.db.delete(auditEvents))).toBe('42501');
    });

    it('refuses UPDATE and DELETE on incident_events', async () => {
      const incidentId = nextId('inc_');
      await handle.db.insert(incidents).values({
        id: incidentId,
        title: 'Error spike',
        severity: 'high',
        triggerType: 'error_rate',
        startedAt: new Date(),
      });
      await handle.db
        .insert(incidentEvents)
        .values({ id: nextId('ine_'), incidentId, type: 'opened', actor: 'system:auto_trip' });
      expect(await failureCode(() => handle.db.update(incidentEvents).set({ notes: 'x' }))).toBe('42501');
      expect(await failureCode(() => handle.db.delete(incidentEvents))).toBe('42501');
    });
  });

  it('seeds the state version row at 0 and refuses a second row', async () => {
    const rows = await handle.db.select().from(killSwitchState);
    expect(rows).toEqual([expect.objectContaining({ id: 1, version: 0 })]);
    expect(await failureCode(() => handle.db.insert(killSwitchState).values({ id: 2, version: 0 }))).toBe('23514');
  });
});
