/**
 * Group commit on the real PostgreSQL and Redis: concurrent single writes on
 * one instance share transactions, yet each caller keeps its own answer, its
 * own error and its own deadline, and every other instance learns the exact
 * state from the shared commit's one notice.
 */
import { type PostgresAuditEmitter, verifyAuditChain } from '@rtv/audit';
import { auditEvents, rowsOf } from '@rtv/db';
import { waitFor } from '@rtv/testing';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { isNotFoundError, isStateUnavailableError } from '../../errors';
import type { TransitionResult } from '../../types';
import { useFaultKit } from './fault-kit';
import { ADMIN, REASON } from './harness';

const kit = useFaultKit();
let n = 0;
const newSwitches = (count: number) =>
  Promise.all(
    Array.from({ length: count }, () =>
      kit.admin.create({ scope: 'action', targetType: 'action', targetValue: `group_${++n}`, createdBy: ADMIN }),
    ),
  );

async function readVersion(): Promise<number> {
  const rows = rowsOf<{ version: string | number }>(
    await kit.h.database.db.execute(sql`SELECT version FROM kill_switch_state WHERE id = 1`),
  );
  return Number(rows[0]?.version);
}

const activate = (id: string) => ({ id, reason: REASON, activatedBy: ADMIN });
const deactivate = (id: string) => ({ id, reason: REASON, deactivatedBy: ADMIN });

describe('group commit', () => {
  it('a burst of single flips from two instances shares commits; each caller, each history, the chain, the receipts and a listening reader are exact', async () => {
    const rows = await newSwitches(40);
    const ids = rows.map((r) => r.id);
    const writers = [kit.h.service(), kit.h.service()];
    // A reader whose poll is a minute away: it learns only from the notices.
    const reader = kit.h.service({ pollIntervalMs: 60_000, sourcePollIntervalMs: 60_000 });
    for (const s of [...writers, reader]) kit.defer(() => s.close());
    await Promise.all([...writers, reader].map((s) => s.ready()));
    const versionBefore = await readVersion();

    // Each switch: on, off, on, each step through the instance of its index.
    const results: TransitionResult[][] = await Promise.all(
      ids.map(async (id, i) => {
        const writer = writers[i % 2] ?? kit.admin;
        return [
          await writer.activate(activate(id)),
          await writer.deactivate(deactivate(id)),
          await writer.activate(activate(id)),
        ];
      }),
    );
    const flips = ids.length * 3;
    for (const [i, steps] of results.entries()) {
      expect(steps.map((r) => [r.switch.id, r.changed, r.switch.isActive])).toEqual([
        [ids[i], true, true],
        [ids[i], true, false],
        [ids[i], true, true],
      ]);
    }
    const versionAfter = await readVersion();
    const commits = versionAfter - versionBefore;
    // Shared: fewer commits than flips. Every flip's version is one of those commits.
    expect(commits).toBeLessThan(flips);
    const versions = new Set(results.flat().map((r) => r.version));
    expect([...versions].every((v) => v !== undefined && v > versionBefore && v <= versionAfter)).toBe(true);
    for (const id of ids) {
      expect((await kit.h.historyFor(id)).map((e) => e.action)).toEqual([
        'created',
        'activated',
        'deactivated',
        'activated',
      ]);
    }
    expect(await verifyAuditChain(kit.h.database.db)).toMatchObject({ ok: true });

    await waitFor(async () => reader.checkStats().snapshotVersion === versionAfter, {
      timeoutMs: 5000,
      what: 'the listening reader to reach the last version from notices',
    });
    for (const id of ids) {
      const row = rows.find((r) => r.id === id);
      const answer = await reader.isTripped({ clientId: 'client_group', action: row?.targetValue ?? '' });
      expect(answer.switch?.id).toBe(id);
    }

    // One receipt per commit, covering every switch of it: closing records the pending ones.
    await Promise.all(writers.map((w) => w.close()));
    const receipts = await kit.h.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.type, 'KILL_SWITCH_RECEIPT'));
    const ours = receipts.filter((r) =>
      ((r.metadata as { switchIds?: string[] }).switchIds ?? []).some((id) => ids.includes(id)),
    );
    const byVersion = new Map(ours.map((r) => [(r.metadata as { version: number }).version, r]));
    expect(byVersion.size).toBe(ours.length);
    expect(ours.length).toBe(versions.size);
    const covered = ours.flatMap((r) => (r.metadata as { switchIds: string[] }).switchIds);
    expect(covered.sort()).toEqual(ids.flatMap((id) => [id, id, id]).sort());
  });

  it("refuses only the caller whose switch is unknown; the others' writes in the same burst commit", async () => {
    const rows = await newSwitches(12);
    const writer = kit.h.service({ redis: undefined, pollIntervalMs: 60_000 });
    kit.defer(() => writer.close());
    const calls = [...rows.map((r) => r.id), 'ks_does_not_exist'].map((id) =>
      writer.activate(activate(id)).catch((e: unknown) => e),
    );
    const settled = await Promise.all(calls);
    const unknown = settled.at(-1);
    expect(isNotFoundError(unknown)).toBe(true);
    expect((unknown as Error).message).toContain('ks_does_not_exist');
    for (const result of settled.slice(0, -1)) expect((result as TransitionResult).changed).toBe(true);
  });

  it('a switch another writer holds leaves the burst: the others commit while it is held, and it alone gets the lock error', async () => {
    const rows = await newSwitches(10);
    const held = rows[5]?.id as string;
    const holder = await kit.holdSwitchRow(held);

    const writer = kit.h.service({ redis: undefined, pollIntervalMs: 60_000 });
    kit.defer(() => writer.close());
    const calls = rows.map((r) => writer.activate(activate(r.id)).catch((e: unknown) => e));
    const others = calls.filter((_, i) => i !== 5);
    // Settled while the row is still held: none of them waited on it.
    for (const result of await Promise.all(others)) expect((result as TransitionResult).changed).toBe(true);
    const error = await calls[5];
    expect(isStateUnavailableError(error)).toBe(true);
    expect((error as Error).message).toContain('Another writer holds this kill switch');
    await holder.release();
    expect(await verifyAuditChain(kit.h.database.db)).toMatchObject({ ok: true });
  });

  it('a hung PostgreSQL during a burst: every caller settles by its deadline, and nothing commits after the server wakes', async () => {
    const rows = await newSwitches(8);
    const pgSide = await kit.proxiedDb();
    const audit = kit.h.audit as PostgresAuditEmitter;
    // The first transaction to reach its last statement stalls the server; the others queue behind or hang with it.
    const stalling = {
      ...audit,
      emitMany: async (...args: Parameters<typeof audit.emitMany>) => {
        pgSide.proxy.stall();
        return audit.emitMany(...args);
      },
    };
    const writer = kit.h.service({ db: pgSide.db, audit: stalling, redis: undefined, writeTimeoutMs: 1500 });
    kit.defer(() => writer.close());
    await writer.ready();
    const versionBefore = await readVersion();
    const started = performance.now();
    const settled = await Promise.all(rows.map((r) => writer.activate(activate(r.id)).catch((e: unknown) => e)));
    const tookMs = performance.now() - started;
    for (const error of settled) {
      expect(isStateUnavailableError(error)).toBe(true);
      expect((error as Error).message).toContain('Nothing was changed');
    }
    // Settled by the deadline (1.5 s) plus scheduling slack, not by the 8 s statement timeout.
    expect(tookMs).toBeLessThan(4000);

    pgSide.proxy.restore();
    await waitFor(async () => (await kit.openTransactions()) === 0, {
      timeoutMs: 15_000,
      what: 'the late sessions to end',
    });
    expect(await readVersion()).toBe(versionBefore);
    for (const r of rows) expect((await kit.h.historyFor(r.id)).map((e) => e.action)).toEqual(['created']);
  });
});
