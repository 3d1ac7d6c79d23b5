import { silentLogger } from '@rtv/audit';
/**
 * The sync logic on in-memory adapters: which store wins, repairs of a
 * lagging or flushed cache, and the staleness flag behind the failure policy.
 */
import type { KillSwitch } from '@rtv/db';
import { waitFor } from '@rtv/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryChangeBus } from '../../adapters/memory/memory-change-bus';
import { createMemoryStateCache } from '../../adapters/memory/memory-state-cache';
import { type SnapshotPayload, toSummary, toSwitchPayload } from '../../check/snapshot';
import { noopMetrics, systemClock } from '../../ports';
import { type SnapshotSource, type SnapshotSync, createSnapshotSync } from '../snapshot-sync';

/** A source whose state the test sets, and which can be made to fail. */
function fakeSource(databaseId = 'db_test') {
  let version = 0;
  let active: KillSwitch[] = [];
  let down = false;
  const guard = () => {
    if (down) throw new Error('connection refused');
  };
  const source: SnapshotSource = {
    async loadActive() {
      guard();
      return { version, active, databaseId };
    },
    async readVersion() {
      guard();
      return version;
    },
  };
  return {
    source,
    commit(rows: KillSwitch[]) {
      version += 1;
      active = rows;
    },
    setDown(value: boolean) {
      down = value;
    },
  };
}

const row = (id: string): KillSwitch => ({
  id,
  clientId: null,
  scope: 'global',
  targetType: 'all',
  targetValue: '*',
  platform: null,
  isActive: true,
  reason: 'a reason for it',
  activatedBy: 'tester',
  activatedAt: new Date(0),
  expiresAt: null,
  autoTripConfig: null,
  mode: 'halt',
  allowActions: null,
  fraction: null,
  restart: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
});

const started: SnapshotSync[] = [];
afterEach(async () => {
  while (started.length > 0) await started.pop()?.stop();
});

function sync(overrides: Partial<Parameters<typeof createSnapshotSync>[0]> & { source: SnapshotSource }) {
  const instance = createSnapshotSync({
    bus: createMemoryChangeBus({}),
    clock: systemClock,
    metrics: noopMetrics,
    logger: silentLogger,
    cacheNamespace: 'test:',
    pollIntervalMs: 10_000,
    sourcePollIntervalMs: 10_000,
    maxStalenessMs: 60_000,
    operationTimeoutMs: 500,
    ...overrides,
  });
  started.push(instance);
  return instance;
}

const payloadOf = (version: number, ids: string[], databaseId = 'db_test'): SnapshotPayload => ({
  version,
  databaseId,
  switches: ids.map((id) => toSwitchPayload(toSummary(row(id)))),
});

describe('snapshot sync', () => {
  it('loads cold from the source and seeds an empty cache', async () => {
    const store = fakeSource();
    store.commit([row('ks_1')]);
    const cache = createMemoryStateCache();
    const instance = sync({ source: store.source, cache });
    await instance.start();
    expect(instance.current?.version).toBe(1);
    expect(instance.current?.index.size).toBe(1);
    expect(await cache.readHead()).toEqual({ version: 1, databaseId: 'db_test' });
  });

  it('repairs a cache that lags behind the source (a writer died before publishing)', async () => {
    const store = fakeSource();
    const cache = createMemoryStateCache();
    const instance = sync({ source: store.source, cache, sourcePollIntervalMs: 0 });
    await instance.start();
    store.commit([row('ks_late')]); // committed, never published to the cache
    await instance.refresh();
    expect(instance.current?.version).toBe(1);
    expect((await cache.read()) as SnapshotPayload).toEqual(payloadOf(1, ['ks_late']));
  });

  it('rebuilds a flushed cache from the source', async () => {
    const store = fakeSource();
    store.commit([row('ks_1')]);
    const cache = createMemoryStateCache();
    const instance = sync({ source: store.source, cache });
    await instance.start();
    cache.clear();
    await instance.refresh();
    expect((await cache.readHead())?.version).toBe(1);
  });

  it('never swaps in an older version', async () => {
    const store = fakeSource();
    store.commit([row('ks_1')]);
    store.commit([row('ks_1'), row('ks_2')]);
    const cache = createMemoryStateCache();
    const instance = sync({ source: store.source, cache, sourcePollIntervalMs: 0 });
    await instance.start();
    expect(instance.current?.version).toBe(2);
    expect(await cache.write(payloadOf(1, []), 'if-newer')).toBe('not-newer');
    await instance.refresh();
    expect(instance.current?.version).toBe(2);
  });

  it('answers a cold start from the source, not from an older snapshot replayed into the cache', async () => {
    const store = fakeSource();
    store.commit([row('ks_1')]);
    store.commit([row('ks_1'), row('ks_blocking')]);
    const cache = createMemoryStateCache();
    cache.poison({ version: 1, databaseId: 'db_test', payload: JSON.stringify(payloadOf(1, ['ks_1'])) });
    const instance = sync({ source: store.source, cache });
    await instance.start();
    expect(instance.current?.index.switches.map((s) => s.id)).toEqual(['ks_1', 'ks_blocking']);
    expect((await cache.readHead())?.version).toBe(2);
  });

  it('falls back to the source when the cache is unreadable and ahead, and repairs it', async () => {
    const store = fakeSource();
    store.commit([row('ks_1')]);
    const cache = createMemoryStateCache();
    const instance = sync({ source: store.source, cache, sourcePollIntervalMs: 60_000 });
    await instance.start();
    cache.poison({ version: 99, databaseId: 'db_test', payload: '{"version":99,"switches":"not a list"}' });
    store.commit([row('ks_1'), row('ks_2')]);
    await instance.refresh();
    expect(instance.current?.version).toBe(2);
    expect(instance.stale).toBe(false);
    expect((await cache.read()) as SnapshotPayload).toEqual(payloadOf(2, ['ks_1', 'ks_2']));
  });

  it('undoes a state ahead of the source (a cache from the future) when the source is next asked', async () => {
    const store = fakeSource();
    store.commit([row('ks_1')]);
    const cache = createMemoryStateCache();
    const instance = sync({ source: store.source, cache, sourcePollIntervalMs: 0 });
    await instance.start();
    cache.poison({ version: 7, databaseId: 'db_test', payload: JSON.stringify(payloadOf(7, ['ks_ghost'])) });
    await instance.refresh();
    expect(instance.current?.version).toBe(1);
    expect(instance.current?.index.switches.map((s) => s.id)).toEqual(['ks_1']);
    expect((await cache.readHead())?.version).toBe(1);
  });

  it('ignores, never overwrites, and reports a cache namespace holding another database', async () => {
    const store = fakeSource('db_mine');
    store.commit([row('ks_mine')]);
    const cache = createMemoryStateCache();
    const foreign = JSON.stringify(payloadOf(10, ['ks_theirs'], 'db_theirs'));
    cache.poison({ version: 10, databaseId: 'db_theirs', payload: foreign });
    const instance = sync({ source: store.source, cache, sourcePollIntervalMs: 0 });
    await instance.start();
    await instance.refresh();
    store.commit([row('ks_mine'), row('ks_new')]);
    await instance.publish();
    await instance.refresh();
    expect(instance.current?.version).toBe(2);
    expect(instance.current?.index.switches.map((s) => s.id)).toEqual(['ks_mine', 'ks_new']);
    expect(instance.redis).toMatchObject({ ok: false, foreign: true });
    expect(instance.redis?.error).toMatch(/^namespace owned by another database: .*keyPrefix.*owner db_theirs/);
    expect(await cache.read()).toEqual(JSON.parse(foreign));
  });

  it('hears a change notice and reloads at once', async () => {
    const store = fakeSource();
    const scope = {};
    const reader = sync({ source: store.source, bus: createMemoryChangeBus(scope) });
    const writer = sync({ source: store.source, bus: createMemoryChangeBus(scope) });
    await Promise.all([reader.start(), writer.start()]);
    store.commit([row('ks_new')]);
    await writer.publish();
    // The reader polls every 10 s and is never asked to refresh: only the notice can bring version 1 in time.
    await waitFor(() => reader.current?.version === 1, { timeoutMs: 1000, what: 'the reader to take the notice' });
    expect(reader.current?.index.switches.map((s) => s.id)).toEqual(['ks_new']);
  });

  it('patches its index from the changes a notice carries, with no store to read', async () => {
    const store = fakeSource();
    store.commit([row('ks_a'), row('ks_b')]);
    const scope = {};
    const reader = sync({ source: store.source, bus: createMemoryChangeBus(scope) });
    const writer = sync({ source: store.source, bus: createMemoryChangeBus(scope) });
    await Promise.all([reader.start(), writer.start()]);
    store.commit([row('ks_b'), row('ks_c')]);
    // The reader can reach neither store now: only the notice's changes can bring version 2.
    const readerStore = store;
    await writer.publish();
    readerStore.setDown(true);
    await waitFor(() => reader.current?.version === 2, { timeoutMs: 1000, what: 'the reader to apply the delta' });
    expect(reader.current?.index.switches.map((s) => s.id).sort()).toEqual(['ks_b', 'ks_c']);
  });

  it('ignores a notice of another database and a malformed one', async () => {
    const store = fakeSource();
    store.commit([row('ks_a')]);
    const scope = {};
    const reader = sync({ source: store.source, bus: createMemoryChangeBus(scope) });
    await reader.start();
    const bus = createMemoryChangeBus(scope);
    await bus.publish({ version: 5, databaseId: 'db_other', base: 1, changes: [{ id: 'ks_x', switch: null }] });
    await bus.publish({
      version: 2,
      databaseId: 'db_test',
      base: 1,
      changes: [{ id: 'ks_a', switch: { id: 'ks_a' } as never }],
    });
    store.setDown(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(reader.current?.version).toBe(1);
    expect(reader.current?.index.switches.map((s) => s.id)).toEqual(['ks_a']);
  });
  it('turns stale after maxStalenessMs without confirmation, and fresh again when a store answers', async () => {
    const store = fakeSource();
    const instance = sync({ source: store.source, maxStalenessMs: 50, pollIntervalMs: 10 });
    await instance.start();
    expect(instance.stale).toBe(false);
    store.setDown(true);
    await new Promise((r) => setTimeout(r, 120));
    expect(instance.stale).toBe(true);
    store.setDown(false);
    await instance.refresh();
    expect(instance.stale).toBe(false);
  });
});
