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
import { noopMetrics, systemClock } from '../../ports';
import { type SnapshotSource, type SnapshotSync, createSnapshotSync } from '../snapshot-sync';

/** A source whose state the test sets, and which can be made to fail. */
function fakeSource() {
  let version = 0;
  let active: KillSwitch[] = [];
  let down = false;
  const guard = () => {
    if (down) throw new Error('connection refused');
  };
  const source: SnapshotSource = {
    async loadActive() {
      guard();
      return { version, active };
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
    pollIntervalMs: 10_000,
    sourcePollIntervalMs: 10_000,
    maxStalenessMs: 60_000,
    operationTimeoutMs: 500,
    ...overrides,
  });
  started.push(instance);
  return instance;
}

describe('snapshot sync', () => {
  it('loads cold from the source and seeds an empty cache', async () => {
    const store = fakeSource();
    store.commit([row('ks_1')]);
    const cache = createMemoryStateCache();
    const instance = sync({ source: store.source, cache });
    await instance.start();
    expect(instance.current?.version).toBe(1);
    expect(instance.current?.index.size).toBe(1);
    expect(await cache.readVersion()).toBe(1);
  });

  it('repairs a cache that lags behind the source (a writer died before publishing)', async () => {
    const store = fakeSource();
    const cache = createMemoryStateCache();
    const instance = sync({ source: store.source, cache, sourcePollIntervalMs: 0 });
    await instance.start();
    store.commit([row('ks_late')]); // committed, never published to the cache
    await instance.refresh();
    expect(instance.current?.version).toBe(1);
    expect((await cache.read())?.switches.map((s) => s.id)).toEqual(['ks_late']);
  });

  it('rebuilds a flushed cache from the source', async () => {
    const store = fakeSource();
    store.commit([row('ks_1')]);
    const cache = createMemoryStateCache();
    const instance = sync({ source: store.source, cache });
    await instance.start();
    cache.clear();
    await instance.refresh();
    expect(await cache.readVersion()).toBe(1);
  });

  it('never swaps in an older version', async () => {
    const store = fakeSource();
    store.commit([row('ks_1')]);
    store.commit([row('ks_1'), row('ks_2')]);
    const cache = createMemoryStateCache();
    await cache.writeIfNewer({ version: 1, switches: [] });
    expect(await cache.writeIfNewer({ version: 1, switches: [] })).toBe(false);
    const instance = sync({ source: store.source, cache, sourcePollIntervalMs: 0 });
    await instance.start();
    expect(instance.current?.version).toBe(2);
    await cache.writeIfNewer({ version: 1, switches: [] });
    await instance.refresh();
    expect(instance.current?.version).toBe(2);
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
