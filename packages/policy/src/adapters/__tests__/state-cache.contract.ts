/**
 * The StateCache and ChangeBus contracts, run on the memory adapters and on
 * Redis, so the Lua WRITE_IF_NEWER and the memory cache cannot drift apart.
 */
import { waitFor } from '@rtv/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotPayload } from '../../check/snapshot';
import type { ChangeBus, ChangeNotice, StateCache } from '../../ports';

const notice = (version: number): ChangeNotice => ({ version, databaseId: 'db_one' });

const payload = (version: number, id = `ks_${version}`, databaseId = 'db_one'): SnapshotPayload => ({
  version,
  databaseId,
  switches: [
    {
      id,
      scope: 'global',
      targetType: 'all',
      targetValue: '*',
      clientId: null,
      platform: null,
      reason: 'contract',
      activatedAt: '2026-01-01T00:00:00.000Z',
      activatedBy: 'tester',
      expiresAt: null,
    },
  ],
});

export function stateCacheContract(name: string, open: () => Promise<{ cache: StateCache; close(): Promise<void> }>) {
  describe(`StateCache contract: ${name}`, () => {
    let t: { cache: StateCache; close(): Promise<void> };
    beforeAll(async () => {
      t = await open();
    });
    afterAll(async () => {
      await t?.close();
    });

    it('holds nothing at first, then the newest payload only: never an older or equal version over it', async () => {
      expect(await t.cache.read()).toBeUndefined();
      expect(await t.cache.readHead()).toBeUndefined();
      expect(await t.cache.write(payload(3), 'if-newer')).toBe('written');
      expect(await t.cache.write(payload(2), 'if-newer')).toBe('not-newer');
      expect(await t.cache.write(payload(3, 'ks_other'), 'if-newer')).toBe('not-newer');
      expect(await t.cache.readHead()).toEqual({ version: 3, databaseId: 'db_one' });
      expect(await t.cache.read()).toEqual(payload(3));
      expect(await t.cache.write(payload(4), 'if-newer')).toBe('written');
      expect(await t.cache.read()).toEqual(payload(4));
    });

    it('replaces a newer version when repairing, and never writes over another database', async () => {
      expect(await t.cache.write(payload(2, 'ks_repaired'), 'replace')).toBe('written');
      expect(await t.cache.readHead()).toEqual({ version: 2, databaseId: 'db_one' });
      expect(await t.cache.write(payload(9, 'ks_x', 'db_two'), 'if-newer')).toBe('foreign');
      expect(await t.cache.write(payload(9, 'ks_x', 'db_two'), 'replace')).toBe('foreign');
      expect(await t.cache.read()).toEqual(payload(2, 'ks_repaired'));
    });
  });
}

export function changeBusContract(name: string, open: (namespace: string) => ChangeBus) {
  describe(`ChangeBus contract: ${name}`, () => {
    it('delivers a published version to every subscriber of the namespace, and none after close', async () => {
      const ns = `ns_${Math.random().toString(36).slice(2)}`;
      const heardA: ChangeNotice[] = [];
      const heardB: ChangeNotice[] = [];
      const a = open(ns).subscribe((v) => heardA.push(v));
      const b = open(ns).subscribe((v) => heardB.push(v));
      await Promise.all([a.ready, b.ready]);
      await open(ns).publish(notice(7));
      await waitFor(() => heardA.length === 1 && heardB.length === 1, { timeoutMs: 2_000 });
      await a.close();
      await open(ns).publish(notice(8));
      await waitFor(() => heardB.length === 2, { timeoutMs: 2_000 });
      expect(heardA).toEqual([notice(7)]);
      expect(heardB).toEqual([notice(7), notice(8)]);
      await b.close();
    });

    it('keeps namespaces apart', async () => {
      const heard: ChangeNotice[] = [];
      const sub = open(`ns_a_${Math.random()}`).subscribe((v) => heard.push(v));
      await sub.ready;
      const other = `ns_b_${Math.random()}`;
      const probe: ChangeNotice[] = [];
      const otherSub = open(other).subscribe((v) => probe.push(v));
      await otherSub.ready;
      await open(other).publish(notice(5));
      await waitFor(() => probe.length === 1, { timeoutMs: 2_000 });
      expect(heard).toEqual([]);
      await sub.close();
      await otherSub.close();
    });
  });
}
