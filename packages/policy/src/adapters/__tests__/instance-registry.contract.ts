/**
 * The InstanceRegistry contract, run on the in-process registry and on
 * Redis: records round-trip, a newer heartbeat replaces an older one, a
 * removed instance is gone, and a lost one stays listed for the reader to
 * judge (live or lost) until its retention ends.
 */
import { describe, expect, it } from 'vitest';
import { LOST_RETENTION_MS } from '../../fleet/instance-record';
import type { InstanceRecord, InstanceRegistry } from '../../ports';

export const instanceRecord = (id: string, over: Partial<InstanceRecord> = {}): InstanceRecord => ({
  instanceId: id,
  serviceName: 'worker',
  host: 'host-1',
  pid: 42,
  libraryVersion: '0.1.0',
  startedAt: Date.now() - 1000,
  databaseId: 'db_one',
  version: 3,
  appliedAt: Date.now() - 10,
  lagMs: 7,
  snapshotAgeMs: 12,
  failMode: 'closed',
  health: 'ok',
  heartbeatAt: Date.now(),
  ttlMs: 15_000,
  ...over,
});

export function instanceRegistryContract(name: string, open: () => Promise<InstanceRegistry>) {
  describe(`InstanceRegistry contract (${name})`, () => {
    it('lists what was put, the newest record per instance', async () => {
      const registry = await open();
      await registry.put(instanceRecord('ksi_a', { version: 3 }));
      await registry.put(instanceRecord('ksi_b'));
      await registry.put(instanceRecord('ksi_a', { version: 4, lagMs: 9 }));
      const listed = await registry.list();
      expect(listed.map((r) => r.instanceId).sort()).toEqual(['ksi_a', 'ksi_b']);
      expect(listed.find((r) => r.instanceId === 'ksi_a')).toMatchObject({ version: 4, lagMs: 9, host: 'host-1' });
    });

    it('forgets a removed instance', async () => {
      const registry = await open();
      await registry.put(instanceRecord('ksi_gone'));
      await registry.remove('ksi_gone');
      expect(await registry.list()).toEqual([]);
    });

    it('keeps a silent instance listed past its TTL (lost), and drops it after the retention', async () => {
      const registry = await open();
      const now = Date.now();
      await registry.put(instanceRecord('ksi_lost', { heartbeatAt: now - 20_000, ttlMs: 1000 }));
      await registry.put(instanceRecord('ksi_old', { heartbeatAt: now - LOST_RETENTION_MS - 60_000, ttlMs: 1000 }));
      await registry.put(instanceRecord('ksi_live'));
      expect((await registry.list()).map((r) => r.instanceId).sort()).toEqual(['ksi_live', 'ksi_lost']);
    });
  });
}
