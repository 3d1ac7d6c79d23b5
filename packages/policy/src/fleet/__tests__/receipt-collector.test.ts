/** The collector on the in-process registry: who is expected, when it stops, and a registry that does not answer. */
import { describe, expect, it } from 'vitest';
import { instanceRecord } from '../../adapters/__tests__/instance-registry.contract';
import { createMemoryInstanceRegistry } from '../../adapters/memory/memory-instance-registry';
import type { InstanceRegistry } from '../../ports';
import { collectReceipt } from '../receipt-collector';

const base = { databaseId: 'db_one', operationTimeoutMs: 500, clock: { now: () => Date.now() } };

describe('collectReceipt', () => {
  it('stops as soon as every live instance applied the version or a later one', async () => {
    const registry = createMemoryInstanceRegistry({});
    const committedAt = Date.now() - 50;
    await registry.put(instanceRecord('ksi_a', { version: 7, appliedAt: committedAt + 10 }));
    await registry.put(instanceRecord('ksi_b', { version: 8, appliedAt: committedAt + 30 }));
    const receipt = await collectReceipt({ ...base, registry, version: 7, committedAt, timeoutMs: 10_000 });
    expect(receipt).toMatchObject({ expected: 2, applied: 2, complete: true, maxMs: 30 });
    expect(receipt.waitedMs).toBeLessThan(10_000);
  });

  it('expects an instance that was live at the commit though silent since, and names it lost', async () => {
    const registry = createMemoryInstanceRegistry({});
    const committedAt = Date.now();
    await registry.put(instanceRecord('ksi_frozen', { version: 6, heartbeatAt: committedAt - 900, ttlMs: 1000 }));
    await registry.put(instanceRecord('ksi_gone', { version: 6, heartbeatAt: committedAt - 5000, ttlMs: 1000 }));
    await registry.put(instanceRecord('ksi_ok', { version: 7, appliedAt: committedAt + 5 }));
    const receipt = await collectReceipt({ ...base, registry, version: 7, committedAt, timeoutMs: 200 });
    expect(receipt).toMatchObject({ expected: 2, applied: 1, complete: false });
    expect(receipt.unconfirmed.map((u) => u.instanceId)).toEqual(['ksi_frozen']);
  });

  it("counts the writer's own instance at once when it applied the version, before its registry record says so", async () => {
    const registry = createMemoryInstanceRegistry({});
    const committedAt = Date.now();
    await registry.put(instanceRecord('ksi_writer', { version: 6 }));
    const receipt = await collectReceipt({
      ...base,
      registry,
      version: 7,
      committedAt,
      timeoutMs: 10_000,
      self: { instanceId: 'ksi_writer', appliedAt: committedAt + 2 },
    });
    expect(receipt).toMatchObject({ expected: 1, applied: 1, complete: true, maxMs: 2 });
    expect(receipt.waitedMs).toBeLessThan(10_000);
  });

  it('says the registry did not answer rather than claim an empty fleet', async () => {
    const broken: InstanceRegistry = {
      put: async () => {},
      remove: async () => {},
      list: async () => {
        throw new Error('Redis is not connected');
      },
    };
    const receipt = await collectReceipt({
      ...base,
      registry: broken,
      version: 1,
      committedAt: Date.now(),
      timeoutMs: 60,
    });
    expect(receipt).toMatchObject({ complete: false, registryAnswered: false, expected: 0 });
  });
});
