/**
 * Fault injection on the real servers, beyond src/service/__tests__/faults.int.test.ts:
 * Redis down for 30 s, pub/sub messages dropped while commands work, a writer
 * killed between commit and publish, and 100 concurrent transitions from two
 * instances (history, audit chain and every snapshot agree at the end).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { verifyAuditChain } from '@rtv/audit';
import { auditEvents, killSwitchHistory, killSwitchState, killSwitches } from '@rtv/db';
import { failFastRedisOptions, testRedisUrl, viaProxy, waitFor } from '@rtv/testing';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { RedisOptions } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { useFaultKit } from '../src/service/__tests__/fault-kit';
import { ADMIN, REASON } from '../src/service/__tests__/harness';

const kit = useFaultKit();
const failFast = failFastRedisOptions;

const ctx = (action: string) => ({ clientId: 'client_faults', action, platform: 'meta' });

async function actionSwitch(action: string) {
  return kit.admin.create({ scope: 'action', targetType: 'action', targetValue: action, createdBy: ADMIN });
}

async function postgresVersion(): Promise<number> {
  const [row] = await kit.h.database.db.select().from(killSwitchState).where(eq(killSwitchState.id, 1));
  return Number(row?.version);
}

describe('Redis down for 30 s', () => {
  it('checks answer from the snapshot, refreshed from PostgreSQL, for the whole outage; then Redis catches up', async () => {
    const p = await kit.redisProxy();
    const redis = kit.redisClient(viaProxy(testRedisUrl(), p), failFast);
    const instance = kit.h.service({ redis, pollIntervalMs: 200, sourcePollIntervalMs: 500, operationTimeoutMs: 300 });
    kit.defer(() => instance.close());
    await instance.ready();
    const first = await actionSwitch('redis_30s_a');
    const second = await actionSwitch('redis_30s_b');
    await kit.admin.activate({ id: first.id, reason: REASON, activatedBy: ADMIN });
    await waitFor(async () => (await instance.isTripped(ctx('redis_30s_a'))).tripped, {
      what: 'the instance to see the activation before the outage',
    });

    p.cut();
    const outageStart = Date.now();
    const outageMs = 30_000;
    let checks = 0;
    const unavailable: string[] = [];
    const probe = async () => {
      const a = await instance.isTripped(ctx('redis_30s_a'));
      const b = await instance.isTripped(ctx('redis_30s_b'));
      checks += 2;
      for (const r of [a, b]) if (r.reason?.includes('unavailable')) unavailable.push(r.reason);
      return { a, b };
    };

    // Changes made during the outage (by an instance with Redis) reach the cut-off one through PostgreSQL.
    await waitFor(async () => (await instance.health()).components.redis.status === 'failed', {
      what: 'Redis to be reported failed',
    });
    await kit.admin.activate({ id: second.id, reason: REASON, activatedBy: ADMIN });
    await waitFor(async () => (await probe()).b.switch?.id === second.id, {
      timeoutMs: 10_000,
      what: 'the cut-off instance to see an activation through PostgreSQL',
    });
    await kit.admin.deactivate({ id: first.id, reason: REASON, deactivatedBy: ADMIN });
    await waitFor(async () => !(await probe()).a.tripped, {
      timeoutMs: 10_000,
      what: 'the cut-off instance to see a deactivation through PostgreSQL',
    });
    const during = await instance.health();
    expect(during.components.redis.status).toBe('failed');
    expect(during.components.postgres.status).toBe('operational');
    expect(during.components.snapshot.status).not.toBe('failed');
    expect(instance.checkStats().snapshotVersion).toBe(await postgresVersion());

    // Keep checking until the outage has lasted 30 s: every answer comes from the snapshot, none fails by policy.
    while (Date.now() - outageStart < outageMs) {
      const { a, b } = await probe();
      expect(a.tripped).toBe(false);
      expect(b.switch?.id).toBe(second.id);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(p.mode).toBe('cut');
    expect(unavailable).toEqual([]);
    expect(checks).toBeGreaterThan(100);

    p.restore();
    await waitFor(async () => (await instance.health()).components.redis.status === 'operational', {
      timeoutMs: 10_000,
      what: 'Redis to be reported operational again',
    });
    await kit.admin.deactivate({ id: second.id, reason: REASON, deactivatedBy: ADMIN });
    await waitFor(async () => !(await instance.isTripped(ctx('redis_30s_b'))).tripped, {
      what: 'the recovered instance to see a deactivation',
    });
    // The full copy follows the notice (25 ms later, seed-pacer.ts): wait for it, then compare.
    const redisVersion = async () => Number(await kit.h.redis.hget(`${kit.h.keyPrefix}snapshot`, 'version'));
    await waitFor(async () => (await redisVersion()) === (await postgresVersion()), {
      what: 'Redis to hold the snapshot at the version PostgreSQL holds',
    });
    expect(await redisVersion()).toBe(await postgresVersion());
  }, 90_000);
});

describe('pub/sub messages dropped', () => {
  it('a reader whose subscriber connection is blackholed converges by the version poll', async () => {
    const p = await kit.redisProxy();
    /** Commands go straight to Redis; the subscriber connection (`duplicate()`) goes through the proxy. */
    const readerRedis = () => {
      const client = kit.redisClient(testRedisUrl(), { maxRetriesPerRequest: 1 });
      client.duplicate = (override?: Partial<RedisOptions>) => kit.redisClient(viaProxy(testRedisUrl(), p), override);
      return client;
    };
    const pollIntervalMs = 300;
    const polling = kit.h.service({ redis: readerRedis(), pollIntervalMs, sourcePollIntervalMs: 600_000 });
    // A control that can learn changes only from pub/sub (it polls once a minute): it shows the messages are really lost.
    const pubSubOnly = kit.h.service({ redis: readerRedis(), pollIntervalMs: 60_000, sourcePollIntervalMs: 600_000 });
    kit.defer(
      () => polling.close(),
      () => pubSubOnly.close(),
    );
    await Promise.all([polling.ready(), pubSubOnly.ready()]);
    const sw = await actionSwitch('pubsub_dropped');

    // Sanity: before the fault, pub/sub alone delivers a change to the control.
    await kit.admin.activate({ id: sw.id, reason: REASON, activatedBy: ADMIN });
    await waitFor(async () => (await pubSubOnly.isTripped(ctx('pubsub_dropped'))).tripped, {
      what: 'the pub/sub-only control to see a change while pub/sub works',
    });
    await kit.admin.deactivate({ id: sw.id, reason: REASON, deactivatedBy: ADMIN });
    await waitFor(async () => !(await pubSubOnly.isTripped(ctx('pubsub_dropped'))).tripped, {
      what: 'the control to see the deactivation while pub/sub works',
    });
    await waitFor(async () => !(await polling.isTripped(ctx('pubsub_dropped'))).tripped, {
      what: 'the polling reader to be in step before the fault',
    });

    p.blackhole();
    await kit.admin.activate({ id: sw.id, reason: REASON, activatedBy: ADMIN });
    // The property under test: the version poll converges within its interval (plus slack for a loaded machine).
    await waitFor(async () => (await polling.isTripped(ctx('pubsub_dropped'))).switch?.id === sw.id, {
      timeoutMs: pollIntervalMs + 2_000,
      what: 'the reader with dropped pub/sub messages to converge by its version poll',
    });
    expect((await pubSubOnly.isTripped(ctx('pubsub_dropped'))).tripped).toBe(false);
    expect((await polling.health()).components.redis.status).toBe('operational');

    // Messages flow again once the subscriber connection is replaced.
    p.restore();
    await kit.admin.deactivate({ id: sw.id, reason: REASON, deactivatedBy: ADMIN });
    await waitFor(async () => !(await pubSubOnly.isTripped(ctx('pubsub_dropped'))).tripped, {
      timeoutMs: 15_000,
      what: 'the pub/sub-only control to receive changes again after the blackhole',
    });
    await waitFor(async () => !(await polling.isTripped(ctx('pubsub_dropped'))).tripped, {
      what: 'the polling reader to see the deactivation',
    });
  }, 60_000);
});

describe('a writer killed between commit and publish', () => {
  it('other instances converge by polling PostgreSQL, and Redis is repaired', async () => {
    const sw = await actionSwitch('died_before_publish');
    const sourcePollIntervalMs = 500;
    const reader = kit.h.service({ pollIntervalMs: 100, sourcePollIntervalMs });
    kit.defer(() => reader.close());
    await reader.ready();
    const redisVersionBefore = Number(await kit.h.redis.hget(`${kit.h.keyPrefix}snapshot`, 'version'));
    const p = await kit.redisProxy();
    p.cut();

    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./fixtures/commit-then-die.ts', import.meta.url))],
      {
        cwd: fileURLToPath(new URL('../../../', import.meta.url)),
        env: {
          ...process.env,
          DATABASE_URL: kit.h.database.url,
          REDIS_URL: viaProxy(testRedisUrl(), p),
          KEY_PREFIX: kit.h.keyPrefix,
          SWITCH_ID: sw.id,
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });

    // Committed: state, history and audit are there; nothing reached Redis.
    const [row] = await kit.h.database.db.select().from(killSwitches).where(eq(killSwitches.id, sw.id));
    expect(row?.isActive).toBe(true);
    expect((await kit.h.historyFor(sw.id)).map((e) => e.action)).toEqual(['created', 'activated']);
    expect((await kit.h.auditFor(sw.id)).map((e) => e.type)).toContain('KILL_SWITCH_ACTIVATED');

    await waitFor(async () => (await reader.isTripped(ctx('died_before_publish'))).switch?.id === sw.id, {
      timeoutMs: sourcePollIntervalMs + 5_000,
      what: 'the reader to learn the unpublished activation from PostgreSQL',
    });
    await waitFor(
      async () => Number(await kit.h.redis.hget(`${kit.h.keyPrefix}snapshot`, 'version')) === (await postgresVersion()),
      {
        what: 'Redis to be repaired to the committed version',
      },
    );
    expect(await postgresVersion()).toBeGreaterThan(redisVersionBefore);
    await kit.admin.deactivate({ id: sw.id, reason: REASON, deactivatedBy: ADMIN });
  }, 60_000);
});

describe('100 concurrent activations and deactivations from two instances', () => {
  it('leave a history that alternates and ends in the final state, one audit record per transition, a valid chain', async () => {
    const sw = await actionSwitch('contended');
    const one = kit.h.service({ pollIntervalMs: 100 });
    const two = kit.h.service({ pollIntervalMs: 100 });
    kit.defer(
      () => one.close(),
      () => two.close(),
    );
    await Promise.all([one.ready(), two.ready()]);
    const auditSeqBefore = (await kit.h.database.db.select({ seq: auditEvents.seq }).from(auditEvents)).length;

    const ops = Array.from({ length: 100 }, (_, i) => {
      const instance = i % 2 === 0 ? one : two;
      // Random mix, not strict alternation: the race is between like and unlike operations.
      return Math.random() < 0.5
        ? instance.activate({ id: sw.id, reason: `${REASON} #${i}`, activatedBy: ADMIN })
        : instance.deactivate({ id: sw.id, reason: `${REASON} #${i}`, deactivatedBy: ADMIN });
    });
    const results = await Promise.all(ops);
    const changed = results.filter((r) => r.changed).length;

    const [row] = await kit.h.database.db.select().from(killSwitches).where(eq(killSwitches.id, sw.id));
    const alternating = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 'activated' : 'deactivated'));

    // The audit chain orders transitions by commit (seq under the chain lock): it must alternate from inactive.
    const transitions = await kit.h.database.db
      .select()
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.target, sw.id),
          inArray(auditEvents.type, ['KILL_SWITCH_ACTIVATED', 'KILL_SWITCH_DEACTIVATED']),
        ),
      )
      .orderBy(asc(auditEvents.seq));
    expect(transitions.map((e) => (e.type === 'KILL_SWITCH_ACTIVATED' ? 'activated' : 'deactivated'))).toEqual(
      alternating(changed),
    );
    expect(row?.isActive).toBe(changed % 2 === 1);
    const chain = await verifyAuditChain(kit.h.database.db);
    expect(chain).toMatchObject({ ok: true });
    expect(chain.count).toBeGreaterThanOrEqual(auditSeqBefore + changed);

    // The history as the service reports it (getHistory: by performedAt): the same alternation, ending in the final state.
    const history = (await kit.admin.getHistory(sw.id)).map((e) => e.action).filter((a) => a !== 'created');
    expect(history).toEqual(alternating(changed));
    const rows = await kit.h.database.db
      .select()
      .from(killSwitchHistory)
      .where(eq(killSwitchHistory.killSwitchId, sw.id));
    expect(rows.length).toBe(changed + 1);

    for (const instance of [one, two, kit.admin]) {
      await waitFor(async () => (await instance.isTripped(ctx('contended'))).tripped === row?.isActive, {
        what: 'every instance to converge on the final state',
      });
    }
  }, 60_000);
});
