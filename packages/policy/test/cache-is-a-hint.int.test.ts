/**
 * The stop path's sync half on real PostgreSQL and Redis: Redis is a hint
 * and PostgreSQL the truth. Two databases sharing one namespace never take
 * or overwrite each other's state; a poisoned or replayed snapshot is
 * refused and repaired; a stalled Redis never holds a write; a reader
 * applies the changes a notice carries without reading the snapshot.
 */
import { createAuditEmitter } from '@rtv/audit';
import { createTestDatabase, deleteKeysWithPrefix, uniqueKeyPrefix, waitFor } from '@rtv/testing';
import { describe, expect, it } from 'vitest';
import {
  createKillSwitchService,
  createPostgresSwitchStore,
  createRedisChangeBus,
  createRedisStateCache,
} from '../src/index';
import { useFaultKit } from '../src/service/__tests__/fault-kit';
import { ADMIN, REASON } from '../src/service/__tests__/harness';

const kit = useFaultKit();
const ctx = (clientId: string) => ({ clientId, action: 'publish', platform: 'tiktok' });
const snapshotKey = () => `${kit.h.keyPrefix}snapshot`;

async function tripTiktokFor(service: ReturnType<typeof kit.h.service>, clientId: string) {
  const sw = await service.create({
    scope: 'client',
    clientId,
    targetType: 'platform',
    targetValue: 'tiktok',
    createdBy: ADMIN,
  });
  await service.activate({ id: sw.id, reason: REASON, activatedBy: ADMIN });
  return sw;
}

describe('two databases on one Redis namespace', () => {
  it('never take or overwrite each other, and say so in health naming keyPrefix', async () => {
    const other = await createTestDatabase('postgres');
    const otherAudit = createAuditEmitter({ db: other.db });
    kit.defer(
      () => other.close(),
      () => otherAudit.close(),
    );
    // The same Redis and the same keyPrefix as the file's own database: a misconfigured second deployment.
    const theirs = createKillSwitchService({
      db: other.db,
      redis: kit.h.redis,
      audit: otherAudit,
      keyPrefix: kit.h.keyPrefix,
      sweepIntervalMs: 0,
    });
    kit.defer(() => theirs.close());
    await theirs.ready();
    // Theirs moves far ahead in versions and blocks tiktok for client_ns.
    for (let i = 0; i < 5; i++) await tripTiktokFor(theirs, `client_ns_${i}`);

    const ours = kit.h.service({ pollIntervalMs: 50, sourcePollIntervalMs: 50 });
    kit.defer(() => ours.close());
    await ours.ready();
    expect((await ours.isTripped(ctx('client_ns_0'))).tripped).toBe(false);
    const mine = await tripTiktokFor(ours, 'client_mine');
    expect((await ours.isTripped(ctx('client_mine'))).switch?.id).toBe(mine.id);
    // The file's admin instance claimed the namespace first: the second deployment is the one refused.
    await waitFor(async () => (await theirs.health()).components.redis.status === 'failed', {
      what: 'health to report the foreign namespace',
    });
    const health = await theirs.health();
    expect(health.status).toBe('degraded');
    expect(health.components.redis.error).toMatch(/^namespace owned by another database: give this one a keyPrefix/);
    expect((await ours.health()).components.redis.status).toBe('operational');
    // Neither overwrote the other: theirs still answers its own state.
    expect((await theirs.isTripped(ctx('client_ns_0'))).tripped).toBe(true);
    expect((await theirs.isTripped(ctx('client_mine'))).tripped).toBe(false);
  });
});

describe('a poisoned or replayed snapshot in Redis', () => {
  it('an unreadable snapshot ahead of PostgreSQL: a warm instance follows PostgreSQL and it is repaired', async () => {
    const warm = kit.h.service({ pollIntervalMs: 50, sourcePollIntervalMs: 60_000 });
    kit.defer(() => warm.close());
    await warm.ready();
    await kit.h.redis.hset(snapshotKey(), 'version', '999999', 'payload', '{"version":999999,"switches":"garbage"}');
    const sw = await tripTiktokFor(kit.admin, 'client_poisoned');
    await waitFor(async () => (await warm.isTripped(ctx('client_poisoned'))).switch?.id === sw.id, {
      what: 'the warm instance to learn the activation despite the poisoned snapshot',
    });
    await waitFor(async () => Number(await kit.h.redis.hget(snapshotKey(), 'version')) < 999_999, {
      what: 'the snapshot in Redis to be repaired',
    });
    const cold = kit.h.service();
    kit.defer(() => cold.close());
    expect((await cold.isTripped(ctx('client_poisoned'))).switch?.id).toBe(sw.id);
  });

  it('an older snapshot replayed into Redis: a cold instance answers its first check from PostgreSQL', async () => {
    const before = await kit.h.redis.hgetall(snapshotKey());
    const sw = await tripTiktokFor(kit.admin, 'client_replayed');
    await waitFor(async () => Number(await kit.h.redis.hget(snapshotKey(), 'version')) > Number(before.version));
    // Replay the state from before the activation.
    await kit.h.redis.hset(snapshotKey(), before);
    const cold = kit.h.service();
    kit.defer(() => cold.close());
    expect((await cold.isTripped(ctx('client_replayed'))).switch?.id).toBe(sw.id);
  });
});

describe('Redis stalled during an activation', () => {
  it('the write answers after the PostgreSQL commit without waiting on Redis, and the others still learn it', async () => {
    const { proxy, redis } = await kit.proxiedRedis();
    // A Redis call would wait this long before failing: the write must not wait on it at all.
    const writer = kit.h.service({ redis, operationTimeoutMs: 60_000, pollIntervalMs: 60_000 });
    kit.defer(() => writer.close());
    await writer.ready();
    const reader = kit.h.service({ pollIntervalMs: 100, sourcePollIntervalMs: 200 });
    kit.defer(() => reader.close());
    await reader.ready();
    const sw = await kit.admin.create({
      scope: 'client',
      clientId: 'client_stall',
      targetType: 'platform',
      targetValue: 'tiktok',
      createdBy: ADMIN,
    });
    proxy.blackhole();
    const result = await writer.activate({ id: sw.id, reason: REASON, activatedBy: ADMIN });
    expect(result.changed).toBe(true);
    expect((await writer.isTripped(ctx('client_stall'))).switch?.id).toBe(sw.id);
    expect(proxy.mode).toBe('blackhole');
    await waitFor(async () => (await reader.isTripped(ctx('client_stall'))).switch?.id === sw.id, {
      what: 'another instance to learn it from PostgreSQL',
    });
    proxy.restore();
  }, 20_000);
});

/** The service's rare-event metrics, totalled by name and labels: what an operator's /metrics would show. */
function recordedMetrics() {
  const totals = new Map<string, number>();
  const key = (name: string, labels?: Record<string, string>) => (labels ? `${name}${JSON.stringify(labels)}` : name);
  return {
    metrics: {
      increment(name: string, labels?: Record<string, string>, value = 1) {
        totals.set(key(name, labels), (totals.get(key(name, labels)) ?? 0) + value);
      },
      observe() {},
    },
    total: (name: string, labels?: Record<string, string>) => totals.get(key(name, labels)) ?? 0,
    snapshotReads() {
      return (
        this.total('kill_switch_snapshot_reads_total', { store: 'postgres' }) +
        this.total('kill_switch_snapshot_reads_total', { store: 'redis' })
      );
    },
  };
}

/** A reader on the file's database and bus, with a cache namespace only it writes and polls a minute away. */
function isolatedReader(recorded: ReturnType<typeof recordedMetrics>) {
  const own = uniqueKeyPrefix();
  kit.defer(() => deleteKeysWithPrefix(kit.h.redis, own));
  const reader = createKillSwitchService({
    store: createPostgresSwitchStore({ db: kit.h.database.db }),
    cache: createRedisStateCache(kit.h.redis, { keyPrefix: own }),
    bus: createRedisChangeBus(kit.h.redis, { keyPrefix: kit.h.keyPrefix }),
    pollIntervalMs: 60_000,
    sourcePollIntervalMs: 60_000,
    sweepIntervalMs: 0,
    metrics: recorded.metrics,
  });
  kit.defer(() => reader.close());
  return reader;
}

describe('delta propagation', () => {
  it('a reader at version N applies the changes a notice for N+1 carries, reading no snapshot', async () => {
    // The reader's cache is a namespace only it writes: the newer snapshot can reach it through the notice alone.
    const recorded = recordedMetrics();
    const reader = isolatedReader(recorded);
    const writer = kit.h.service({ pollIntervalMs: 60_000 });
    kit.defer(() => writer.close());
    const sw = await kit.admin.create({
      scope: 'client',
      clientId: 'client_delta',
      targetType: 'platform',
      targetValue: 'tiktok',
      createdBy: ADMIN,
    });
    await Promise.all([reader.ready(), writer.ready()]);
    await writer.invalidateCache();
    await reader.invalidateCache();
    expect(reader.checkStats().snapshotVersion).toBe(writer.checkStats().snapshotVersion);
    const readsBefore = recorded.snapshotReads();
    await writer.activate({ id: sw.id, reason: REASON, activatedBy: ADMIN });
    await waitFor(async () => (await reader.isTripped(ctx('client_delta'))).switch?.id === sw.id, {
      timeoutMs: 3_000,
      what: 'the reader to apply the notice (its polls are a minute away)',
    });
    expect(reader.checkStats().snapshotVersion).toBe(writer.checkStats().snapshotVersion);
    // Learnt from the delta alone: neither PostgreSQL nor Redis was asked for the whole snapshot.
    expect(recorded.snapshotReads()).toBe(readsBefore);
    expect(recorded.total('kill_switch_deltas_applied_total')).toBeGreaterThanOrEqual(1);
  });

  it("two writers' interleaved commits reach a reader and the writers themselves exactly, in version order", async () => {
    const recorded = recordedMetrics();
    const reader = isolatedReader(recorded);
    const writers = [kit.h.service({ pollIntervalMs: 60_000 }), kit.h.service({ pollIntervalMs: 60_000 })];
    kit.defer(...writers.map((w) => () => w.close()));
    const clients = Array.from({ length: 24 }, (_, i) => `client_cross_${i}`);
    const switches = await Promise.all(
      clients.map((clientId) =>
        kit.admin.create({
          scope: 'client',
          clientId,
          targetType: 'platform',
          targetValue: 'tiktok',
          createdBy: ADMIN,
        }),
      ),
    );
    await Promise.all([reader.ready(), ...writers.map((w) => w.ready())]);
    // Both writers at once, each on its own half: their commits and notices interleave.
    await Promise.all(
      switches.map((sw, i) =>
        (writers[i % 2] as (typeof writers)[number]).activate({ id: sw.id, reason: REASON, activatedBy: ADMIN }),
      ),
    );
    const finalVersion = Math.max(...writers.map((w) => w.checkStats().snapshotVersion));
    await waitFor(async () => reader.checkStats().snapshotVersion >= finalVersion, {
      timeoutMs: 5_000,
      what: 'the reader to reach the last version (its polls are a minute away)',
    });
    for (const service of [reader, ...writers]) {
      await waitFor(async () => service.checkStats().snapshotVersion >= finalVersion, {
        what: 'every instance to converge',
      });
      for (const clientId of clients) expect((await service.isTripped(ctx(clientId))).tripped).toBe(true);
      expect((await service.isTripped(ctx('client_cross_none'))).tripped).toBe(false);
    }
    expect(recorded.total('kill_switch_deltas_applied_total')).toBeGreaterThan(0);
  });
});
