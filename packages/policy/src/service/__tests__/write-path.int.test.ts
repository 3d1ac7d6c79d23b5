/**
 * The stop itself under faults, on real PostgreSQL through TCP proxies: a stalled server
 * during a write, a lost COMMIT, every connection terminated, a frozen writer holding locks.
 */
import { type PostgresAuditEmitter, verifyAuditChain } from '@rtv/audit';
import { createDb, killSwitches, rowsOf } from '@rtv/db';
import { waitFor } from '@rtv/testing';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { isOutcomeUnknownError, isStateUnavailableError } from '../../errors';
import { useFaultKit } from './fault-kit';
import { ADMIN, REASON } from './harness';

const kit = useFaultKit();
let n = 0;
const newSwitch = () =>
  kit.admin.create({ scope: 'action', targetType: 'action', targetValue: `write_path_${++n}`, createdBy: ADMIN });

async function expectUnchanged(id: string, auditBefore: number): Promise<void> {
  const [row] = await kit.h.database.db.select().from(killSwitches).where(eq(killSwitches.id, id));
  expect(row?.isActive).toBe(false);
  expect((await kit.h.historyFor(id)).map((e) => e.action)).toEqual(['created']);
  expect(await kit.h.auditFor(id)).toHaveLength(auditBefore);
}

/** The harness's emitter with `hook` run around the store's last statement. */
function auditWith(hook: { before?: () => void; after?: () => void }) {
  const audit = kit.h.audit as PostgresAuditEmitter;
  return {
    ...audit,
    emitMany: async (...args: Parameters<typeof audit.emitMany>) => {
      hook.before?.();
      const records = await audit.emitMany(...args);
      hook.after?.();
      return records;
    },
  };
}

describe('a hung PostgreSQL during a write', () => {
  it('settles by writeTimeoutMs with STATE_UNAVAILABLE, and nothing commits after the server wakes', async () => {
    const sw = await newSwitch();
    const pgSide = await kit.proxiedDb();
    // Stall with the switch locked and its row changed: only the last statement and COMMIT are missing.
    const instance = kit.h.service({
      db: pgSide.db,
      audit: auditWith({ before: () => pgSide.proxy.stall() }),
      writeTimeoutMs: 1500,
    });
    kit.defer(() => instance.close());
    await instance.ready();
    const auditBefore = (await kit.h.auditFor(sw.id)).length;

    const error = await instance.activate({ id: sw.id, reason: REASON, activatedBy: ADMIN }).catch((e: unknown) => e);
    expect(isStateUnavailableError(error)).toBe(true);
    expect((error as Error).message).toContain('writeTimeoutMs');
    expect((error as Error).message).toContain('Nothing was changed');

    // The server wakes and gets everything the writer had sent: it must still roll back.
    pgSide.proxy.restore();
    await waitFor(async () => (await kit.openTransactions()) === 0, {
      timeoutMs: 15_000,
      what: 'the late session to end',
    });
    await expectUnchanged(sw.id, auditBefore);
  });

  it('says OUTCOME_UNKNOWN when COMMIT was sent and neither its answer nor the state could be had', async () => {
    const sw = await newSwitch();
    const pgSide = await kit.proxiedDb();
    // Stall once the last statement answered: the next bytes are the COMMIT.
    const instance = kit.h.service({
      db: pgSide.db,
      audit: auditWith({ after: () => pgSide.proxy.stall() }),
      writeTimeoutMs: 1500,
    });
    kit.defer(() => instance.close());
    await instance.ready();

    const error = await instance.activate({ id: sw.id, reason: REASON, activatedBy: ADMIN }).catch((e: unknown) => e);
    expect(isOutcomeUnknownError(error)).toBe(true);
    expect((error as Error).message).toContain(sw.id);
    expect((error as Error).message).toContain('may or may not be in effect');
    pgSide.proxy.restore();
    await waitFor(async () => (await kit.openTransactions()) === 0, { timeoutMs: 15_000, what: 'the session to end' });
  });

  it('answers from the read-back when the COMMIT answer is lost but the server can still be asked', async () => {
    const sw = await newSwitch();
    const pgSide = await kit.proxiedDb();
    // The writer's own pool is cut right after COMMIT is sent; the read-back goes through a fresh connection.
    const instance = kit.h.service({
      db: pgSide.db,
      audit: auditWith({ after: () => setImmediate(() => pgSide.proxy.cut()) }),
      writeTimeoutMs: 3000,
    });
    kit.defer(() => instance.close());
    await instance.ready();
    const settled = await instance
      .activate({ id: sw.id, reason: REASON, activatedBy: ADMIN })
      .then((result) => ({ result }))
      .catch((error: unknown) => ({ error }));
    const [row] = await kit.h.database.db.select().from(killSwitches).where(eq(killSwitches.id, sw.id));
    // Whatever the race between COMMIT and the cut, the answer matches what PostgreSQL holds.
    if ('result' in settled) expect(row?.isActive).toBe(true);
    else if (isStateUnavailableError(settled.error)) expect(row?.isActive).toBe(false);
    else expect(isOutcomeUnknownError(settled.error)).toBe(true);
  });
});

describe('PostgreSQL drops every connection (restart, failover)', () => {
  it('the next activate and create succeed, with no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    kit.defer(() => process.off('unhandledRejection', onUnhandled));
    const handle = createDb(kit.h.database.url, { max: 4 });
    kit.defer(() => handle.close());
    const instance = kit.h.service({ db: handle.db, redis: undefined, pollIntervalMs: 60_000 });
    kit.defer(() => instance.close());
    await instance.ready();
    const sw = await newSwitch();
    // Open several pooled connections, so the next write is likely to pick a dead one.
    await Promise.all([1, 2, 3, 4].map(() => handle.db.execute(sql`SELECT pg_sleep(0.05)`)));

    const admin = createDb(kit.h.database.url, { max: 1 });
    kit.defer(() => admin.close());
    await admin.db.execute(sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid()`);

    const result = await instance.activate({ id: sw.id, reason: REASON, activatedBy: ADMIN });
    expect(result.changed).toBe(true);
    const created = await instance.create({
      scope: 'action',
      targetType: 'action',
      targetValue: 'after_failover',
      createdBy: ADMIN,
    });
    expect(created.id).toMatch(/^ks_/);
    // Late driver errors (its type fetch, its socket) would surface by now.
    await new Promise((r) => setTimeout(r, 200));
    expect(unhandled).toEqual([]);
  });
});

describe('a frozen writer holding locks', () => {
  it("does not stop writes to other switches; its own switch's writers get a typed lock error", async () => {
    const a = await newSwitch();
    const b = await newSwitch();
    // A second session locks A's row and freezes inside its transaction.
    const holder = await kit.holdSwitchRow(a.id);

    const writer = kit.h.service({ redis: undefined, pollIntervalMs: 60_000 });
    kit.defer(() => writer.close());
    const resultB = await writer.activate({ id: b.id, reason: REASON, activatedBy: ADMIN });
    expect(resultB.changed).toBe(true);

    const errorA = await writer.activate({ id: a.id, reason: REASON, activatedBy: ADMIN }).catch((e: unknown) => e);
    expect(isStateUnavailableError(errorA)).toBe(true);
    expect((errorA as Error).message).toContain('Another writer holds this kill switch');
    expect((errorA as Error).message).not.toContain('did not answer');

    await holder.release();
    expect(await verifyAuditChain(kit.h.database.db)).toMatchObject({ ok: true });
  });

  it('a writer of ours frozen mid-transaction (its switch locked, history written) does not hold the chain head or the version', async () => {
    const a = await newSwitch();
    const b = await newSwitch();
    let thaw: () => void = () => {};
    const frozenUntil = new Promise<void>((resolve) => {
      thaw = resolve;
    });
    let reached: () => void = () => {};
    const isFrozen = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const audit = kit.h.audit as PostgresAuditEmitter;
    // Frozen at the last gap between round trips: before the statement that appends the audit and bumps the version.
    const freezing = {
      ...audit,
      emitMany: async (...args: Parameters<typeof audit.emitMany>) => {
        reached();
        await frozenUntil;
        return audit.emitMany(...args);
      },
    };
    const frozenWriter = kit.h.service({ audit: freezing, redis: undefined, pollIntervalMs: 60_000 });
    kit.defer(() => frozenWriter.close());
    const writer = kit.h.service({ redis: undefined, pollIntervalMs: 60_000 });
    kit.defer(() => writer.close());

    const frozenActivation = frozenWriter.activate({ id: a.id, reason: REASON, activatedBy: ADMIN });
    kit.defer(async () => {
      thaw();
      await frozenActivation.catch(() => {});
    });
    await isFrozen;
    const resultB = await writer.activate({ id: b.id, reason: REASON, activatedBy: ADMIN });
    expect(resultB.changed).toBe(true);
    const deactivatedB = await writer.deactivate({ id: b.id, reason: REASON, deactivatedBy: ADMIN });
    expect(deactivatedB.changed).toBe(true);

    thaw();
    expect((await frozenActivation).changed).toBe(true);
    expect(await verifyAuditChain(kit.h.database.db)).toMatchObject({ ok: true });
  });
});

describe('a batch stop', () => {
  it('two overlapping storms from two instances commit without deadlock: one transition per switch, one bump each, a valid chain', async () => {
    const rows = await Promise.all(Array.from({ length: 40 }, () => newSwitch()));
    const first = kit.h.service({ redis: undefined, pollIntervalMs: 60_000 });
    const second = kit.h.service({ redis: undefined, pollIntervalMs: 60_000 });
    kit.defer(
      () => first.close(),
      () => second.close(),
    );
    const versionBefore = await readVersion();
    const trip = (ids: string[]) => ids.map((id) => ({ id, reason: REASON, activatedBy: 'system:auto_trip' }));
    const ids = rows.map((row) => row.id);
    // Opposite orders over an overlapping half: without ordered locks these two would deadlock.
    const [a, b] = await Promise.all([
      first.activateMany(trip(ids.slice(0, 30))),
      second.activateMany(trip(ids.slice(10).reverse())),
    ]);
    const transitions = [...a, ...b].filter((r) => r.changed).map((r) => r.switch.id);
    expect(transitions.sort()).toEqual([...ids].sort());
    expect(await readVersion()).toBe(versionBefore + 2);
    for (const id of ids) {
      expect((await kit.h.historyFor(id)).map((e) => e.action)).toEqual(['created', 'activated']);
    }
    expect(await verifyAuditChain(kit.h.database.db)).toMatchObject({ ok: true });
  });
});

async function readVersion(): Promise<number> {
  const rows = rowsOf<{ version: string | number }>(
    await kit.h.database.db.execute(sql`SELECT version FROM kill_switch_state WHERE id = 1`),
  );
  return Number(rows[0]?.version);
}
