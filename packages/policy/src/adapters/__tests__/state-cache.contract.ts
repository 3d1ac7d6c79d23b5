/**
 * The StateCache and ChangeBus contracts, run on the memory adapters and on
 * Redis, so the Lua WRITE_IF_NEWER and the memory cache cannot drift apart.
 */
import { waitFor } from '@rtv/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotPayload } from '../../check/snapshot';
import type { ChangeBus, StateCache } from '../../ports';

const payload = (version: number, id = `ks_${version}`): SnapshotPayload => ({
  version,
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
      expect(await t.cache.readVersion()).toBeUndefined();
      expect(await t.cache.writeIfNewer(payload(3))).toBe(true);
      expect(await t.cache.writeIfNewer(payload(2))).toBe(false);
      expect(await t.cache.writeIfNewer(payload(3, 'ks_other'))).toBe(false);
      expect(await t.cache.readVersion()).toBe(3);
      expect(await t.cache.read()).toEqual(payload(3));
      expect(await t.cache.writeIfNewer(payload(4))).toBe(true);
      expect(await t.cache.read()).toEqual(payload(4));
    });
  });
}

export function changeBusContract(name: string, open: (namespace: string) => ChangeBus) {
  describe(`ChangeBus contract: ${name}`, () => {
    it('delivers a published version to every subscriber of the namespace, and none after close', async () => {
      const ns = `ns_${Math.random().toString(36).slice(2)}`;
      const heardA: number[] = [];
      const heardB: number[] = [];
      const a = open(ns).subscribe((v) => heardA.push(v));
      const b = open(ns).subscribe((v) => heardB.push(v));
      await Promise.all([a.ready, b.ready]);
      await open(ns).publish(7);
      await waitFor(() => heardA.includes(7) && heardB.includes(7), { timeoutMs: 2_000 });
      await a.close();
      await open(ns).publish(8);
      await waitFor(() => heardB.includes(8), { timeoutMs: 2_000 });
      expect(heardA).toEqual([7]);
      await b.close();
    });

    it('keeps namespaces apart', async () => {
      const heard: number[] = [];
      const sub = open(`ns_a_${Math.random()}`).subscribe((v) => heard.push(v));
      await sub.ready;
      const other = `ns_b_${Math.random()}`;
      const probe: number[] = [];
      const otherSub = open(other).subscribe((v) => probe.push(v));
      await otherSub.ready;
      await open(other).publish(5);
      await waitFor(() => probe.includes(5), { timeoutMs: 2_000 });
      expect(heard).toEqual([]);
      await sub.close();
      await otherSub.close();
    });
  });
}
