/**
 * Outages through a TCP proxy the test controls: Redis down, both stores
 * down past maxStalenessMs, PostgreSQL down during an activation.
 */
import type { PostgresAuditEmitter } from '@rtv/audit';
import { createDb, killSwitches } from '@rtv/db';
import { waitFor } from '@rtv/testing';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { isStateUnavailableError } from '../../errors';
import { useFaultKit } from './fault-kit';
import { ADMIN, REASON } from './harness';

const kit = useFaultKit();
const probeCtx = (platform: string) => ({ clientId: 'client_fault', action: 'publish', platform });

describe('Redis down', () => {
  it('checks go on from the snapshot, refreshed from PostgreSQL, then Redis catches up', async () => {
    const { proxy, redis } = await kit.proxiedRedis();
    const instance = kit.h.service({ redis, pollIntervalMs: 50, sourcePollIntervalMs: 50, operationTimeoutMs: 300 });
    kit.defer(() => instance.close());
    await instance.ready();
    const sw = await kit.admin.create({
      scope: 'platform',
      targetType: 'platform',
      targetValue: 'redis_down',
      createdBy: ADMIN,
    });

    proxy.cut();
    // Another instance, with Redis, activates: the cut-off one can only learn it from PostgreSQL.
    await kit.admin.activate({ id: sw.id, reason: REASON, activatedBy: ADMIN });
    await waitFor(async () => (await instance.isTripped(probeCtx('redis_down'))).switch?.id === sw.id, {
      timeoutMs: 5000,
      what: 'the cut-off instance to see the activation through PostgreSQL',
    });
    const during = await instance.health();
    expect(during.components.redis.status).toBe('failed');
    expect(during.components.postgres.status).toBe('operational');
    expect(during.components.snapshot.status).not.toBe('failed');

    proxy.restore();
    await kit.admin.deactivate({ id: sw.id, reason: REASON, deactivatedBy: ADMIN });
    await waitFor(async () => !(await instance.isTripped(probeCtx('redis_down'))).tripped, {
      what: 'the recovered instance to see the deactivation',
    });
    await waitFor(async () => (await instance.health()).components.redis.status === 'operational', {
      what: 'Redis to be reported operational again',
    });
  });

  it('rebuilds a flushed Redis snapshot from PostgreSQL', async () => {
    const sw = await kit.admin.create({
      scope: 'platform',
      targetType: 'platform',
      targetValue: 'flushed',
      createdBy: ADMIN,
    });
    await kit.admin.activate({ id: sw.id, reason: REASON, activatedBy: ADMIN });
    await kit.h.redis.del(`${kit.h.keyPrefix}snapshot`);
    const instance = kit.h.service({ pollIntervalMs: 50 });
    kit.defer(() => instance.close());
    expect((await instance.isTripped(probeCtx('flushed'))).switch?.id).toBe(sw.id);
    await waitFor(() => kit.h.redis.hget(`${kit.h.keyPrefix}snapshot`, 'payload'), {
      what: 'Redis to hold the snapshot again',
    });
    await kit.admin.deactivate({ id: sw.id, reason: REASON, deactivatedBy: ADMIN });
  });
});

describe('both stores unreachable past maxStalenessMs', () => {
  for (const failMode of ['closed', 'open'] as const) {
    it(`fails ${failMode}, and recovers when they return`, async () => {
      const redisSide = await kit.proxiedRedis();
      const pgSide = await kit.proxiedDb();
      const instance = kit.h.service({
        db: pgSide.db,
        redis: redisSide.redis,
        failMode,
        maxStalenessMs: 300,
        pollIntervalMs: 50,
        sourcePollIntervalMs: 50,
        operationTimeoutMs: 200,
      });
      kit.defer(() => instance.close());
      await instance.ready();
      const ctx = probeCtx(`stale_${failMode}`);
      expect((await instance.isTripped(ctx)).tripped).toBe(false);

      redisSide.proxy.cut();
      pgSide.proxy.cut();
      const unavailable = await waitFor(
        async () => {
          const result = await instance.isTripped(ctx);
          return result.reason?.includes('unavailable') ? result : undefined;
        },
        { timeoutMs: 3000, what: 'the state to be reported unavailable' },
      );
      expect(unavailable.tripped).toBe(failMode === 'closed');
      expect(unavailable.reason).toContain(`failing ${failMode}`);
      const health = await instance.health();
      expect(health.status).toBe('failed');
      // The root cause, not drizzle's "Failed query: <sql>" wrapper.
      expect(health.components.postgres.error).toBeDefined();
      expect(health.components.postgres.error).not.toContain('Failed query');

      redisSide.proxy.restore();
      pgSide.proxy.restore();
      const recovered = await waitFor(
        async () => {
          const result = await instance.isTripped(ctx);
          return result.reason === null ? result : undefined;
        },
        { timeoutMs: 5000, what: 'checks to recover' },
      );
      expect(recovered.tripped).toBe(false);
    });
  }
});

describe('PostgreSQL down during an activation', () => {
  /** The switch, its history and the audit trail are as before the failed activation. */
  async function expectNoPartialActivation(id: string, auditBefore: number): Promise<void> {
    const [row] = await kit.h.database.db.select().from(killSwitches).where(eq(killSwitches.id, id));
    expect(row?.isActive).toBe(false);
    expect((await kit.h.historyFor(id)).map((e) => e.action)).toEqual(['created']);
    expect(await kit.h.auditFor(id)).toHaveLength(auditBefore);
  }

  it('fails with STATE_UNAVAILABLE and leaves no partial state in any table', async () => {
    const sw = await kit.admin.create({
      scope: 'action',
      targetType: 'action',
      targetValue: 'pg_down',
      createdBy: ADMIN,
    });
    const pgSide = await kit.proxiedDb();
    const instance = kit.h.service({ db: pgSide.db, operationTimeoutMs: 500 });
    kit.defer(() => instance.close());
    await instance.ready();
    const auditBefore = (await kit.h.auditFor(sw.id)).length;

    pgSide.proxy.cut();
    const error = await instance.activate({ id: sw.id, reason: REASON, activatedBy: ADMIN }).catch((e: unknown) => e);
    expect(isStateUnavailableError(error)).toBe(true);
    expect((error as Error).message).toMatch(/PostgreSQL did not answer while activating/);

    await expectNoPartialActivation(sw.id, auditBefore);
  });

  it('rolls the whole transition back when the connection dies between the state write and the audit write', async () => {
    const sw = await kit.admin.create({
      scope: 'action',
      targetType: 'action',
      targetValue: 'pg_mid_tx',
      createdBy: ADMIN,
    });
    const pgSide = await kit.proxiedDb();
    // The state row is already updated inside the transaction when the audit write starts: cut there.
    // Spread keeps the emitter's brand: it still joins the transaction.
    // The store appends its records with emitMany, the last statement before COMMIT.
    const audit = kit.h.audit as PostgresAuditEmitter;
    const cuttingAudit = {
      ...audit,
      emitMany: async (...args: Parameters<typeof audit.emitMany>) => {
        pgSide.proxy.cut();
        return audit.emitMany(...args);
      },
    };
    const instance = kit.h.service({ db: pgSide.db, audit: cuttingAudit, operationTimeoutMs: 500 });
    kit.defer(() => instance.close());
    await instance.ready();
    const auditBefore = (await kit.h.auditFor(sw.id)).length;

    const error = await instance.activate({ id: sw.id, reason: REASON, activatedBy: ADMIN }).catch((e: unknown) => e);
    expect(isStateUnavailableError(error)).toBe(true);

    await expectNoPartialActivation(sw.id, auditBefore);
  });
});

describe('a cold instance with no store reachable', () => {
  it('rejects ready() with STATE_UNAVAILABLE and fails its checks closed after startupTimeoutMs', async () => {
    const unreachable = createDb('postgres://postgres@127.0.0.1:1/none', {
      connectTimeoutSeconds: 1,
      closeTimeoutSeconds: 0.2,
    });
    kit.defer(() => unreachable.close());
    const instance = kit.h.service({
      db: unreachable.db,
      redis: undefined,
      startupTimeoutMs: 300,
      operationTimeoutMs: 200,
      pollIntervalMs: 50,
    });
    kit.defer(() => instance.close());
    const result = await instance.isTripped(probeCtx('cold_dead'));
    expect(result.tripped).toBe(true);
    expect(result.reason).toContain('unavailable');
    const error = await instance.ready().catch((e: unknown) => e);
    expect(isStateUnavailableError(error)).toBe(true);
    expect((error as Error).message).toContain('startupTimeoutMs');
  });
});

describe('the check path', () => {
  it('makes no round trip to Redis or PostgreSQL in steady state', async () => {
    const redisSide = await kit.proxiedRedis();
    const pgSide = await kit.proxiedDb();
    // Polls far apart, so any traffic during the checks would come from the checks themselves.
    const instance = kit.h.service({
      db: pgSide.db,
      redis: redisSide.redis,
      pollIntervalMs: 60_000,
      sourcePollIntervalMs: 60_000,
    });
    kit.defer(() => instance.close());
    const sw = await kit.admin.create({
      scope: 'platform',
      targetType: 'platform',
      targetValue: 'no_io',
      createdBy: ADMIN,
    });
    await kit.admin.activate({ id: sw.id, reason: REASON, activatedBy: ADMIN });
    await instance.ready();
    await waitFor(async () => (await instance.isTripped(probeCtx('no_io'))).tripped, {
      what: 'the activation to arrive',
    });

    const before = { redis: redisSide.proxy.bytesForwarded, pg: pgSide.proxy.bytesForwarded };
    let tripped = 0;
    for (let i = 0; i < 100_000; i++) {
      if ((await instance.isTripped(probeCtx(i % 2 ? 'no_io' : 'other'))).tripped) tripped++;
    }
    expect(tripped).toBe(50_000);
    expect(redisSide.proxy.bytesForwarded - before.redis).toBe(0);
    expect(pgSide.proxy.bytesForwarded - before.pg).toBe(0);
    await kit.admin.deactivate({ id: sw.id, reason: REASON, deactivatedBy: ADMIN });
  });
});
