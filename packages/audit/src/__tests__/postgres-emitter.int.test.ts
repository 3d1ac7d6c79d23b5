/**
 * The Postgres emitter on real PostgreSQL (and PGlite): transactional
 * records, the database's refusal to rewrite them, tamper detection and queries.
 */
import { type Database, auditChainHead, auditEvents, pgErrorCode } from '@rtv/db';
import { type TestDatabase, availableBackends, createTestDatabase } from '@rtv/testing';
import { count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAuditValidationError } from '../errors';
import { GENESIS_HASH } from '../hash-chain';
import { createAuditEmitter } from '../postgres-emitter';
import { queryAudit } from '../query-audit';
import { verifyAuditChain } from '../verify-chain';

async function countRecords(db: Database): Promise<number> {
  const [row] = await db.select({ n: count() }).from(auditEvents);
  return Number(row?.n ?? 0);
}

async function emitMany(db: Database, n: number, prefix = 'T'): Promise<void> {
  const emitter = createAuditEmitter({ db });
  for (let i = 0; i < n; i++)
    await emitter.emit({ type: `${prefix}_${i % 3}`, actor: `user_${i % 2}`, metadata: { i } });
}

/** Runs SQL with the append-only trigger switched off, as a superuser tampering behind its back. */
async function behindTheTrigger(db: Database, statement: ReturnType<typeof sql>): Promise<void> {
  await db.execute(sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`);
  try {
    await db.execute(statement);
  } finally {
    await db.execute(sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only`);
  }
}

describe.each(availableBackends())('Postgres audit emitter on %s', (backend) => {
  let handle: TestDatabase;
  beforeAll(async () => {
    handle = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await handle?.close();
  });

  it('a rolled-back transaction leaves no record; a committed one leaves exactly one', async () => {
    const { db } = handle;
    const emitter = createAuditEmitter({ db });
    const before = await countRecords(db);
    const rollback = new Error('the change failed');
    await expect(
      db.transaction(async (tx) => {
        await emitter.emit({ type: 'KILL_SWITCH_ACTIVATED', actor: 'alice', target: 'ks_rolled_back' }, { tx });
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    expect(await countRecords(db)).toBe(before);
    expect(await db.select().from(auditEvents).where(eq(auditEvents.target, 'ks_rolled_back'))).toEqual([]);

    const committed = await db.transaction((tx) =>
      emitter.emit({ type: 'KILL_SWITCH_ACTIVATED', actor: 'alice', target: 'ks_committed' }, { tx }),
    );
    expect(await countRecords(db)).toBe(before + 1);
    const rows = await db.select().from(auditEvents).where(eq(auditEvents.target, 'ks_committed'));
    expect(rows.map((r) => r.id)).toEqual([committed.id]);
    // The rolled-back emit did not burn a seq.
    expect(committed.seq).toBe(before + 1);
    expect(await verifyAuditChain(db)).toEqual({ ok: true, count: before + 1 });
    await emitter.close();
  });

  it('stores what it returns, and the hash still matches what jsonb gives back', async () => {
    const { db } = handle;
    const emitter = createAuditEmitter({ db });
    const metadata = {
      zeta: 1.0,
      alpha: { nested: { deep: [1e21, 1.5e-7, -0, 0.1, 2 ** 53 - 1, { b: 2, a: 1 }] } },
      unicode: 'é ✓ 😀 日本語 \u2028',
      ключ: true,
      none: null,
      ...JSON.parse('{"__proto__":{"polluted":1}}'),
    };
    const record = await emitter.emit({
      type: 'LEGAL_HOLD_PLACED',
      actor: 'system:legal',
      target: 'matter_7',
      clientId: 'client_a',
      metadata,
      occurredAt: new Date('2025-01-02T03:04:05.678Z'),
    });
    const [row] = await db.select().from(auditEvents).where(eq(auditEvents.id, record.id));
    expect(row?.metadata).toEqual(record.metadata);
    expect(Object.keys(row?.metadata ?? {})).toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(row?.occurredAt.toISOString()).toBe('2025-01-02T03:04:05.678Z');
    expect(row?.hash).toBe(record.hash);
    const [head] = await db.select().from(auditChainHead);
    expect(head).toMatchObject({ seq: record.seq, hash: record.hash });
    const result = await verifyAuditChain(db);
    expect(result.ok).toBe(true);
  });

  it('a bad event throws AuditValidationError and writes nothing', async () => {
    const { db } = handle;
    const emitter = createAuditEmitter({ db });
    const before = await countRecords(db);
    const error = await emitter
      .emit({ type: 'T', actor: 'a', metadata: { when: new Date() } })
      .catch((e: unknown) => e);
    expect(isAuditValidationError(error) && error.field).toBe('metadata.when');
    expect(await countRecords(db)).toBe(before);
  });

  it('the database refuses UPDATE, DELETE and TRUNCATE on audit_events', async () => {
    const { db } = handle;
    await emitMany(db, 1);
    const refused = async (statement: ReturnType<typeof sql>) => {
      const error = await db.execute(statement).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeDefined();
      expect(pgErrorCode(error)).toBe('42501');
    };
    await refused(sql`UPDATE audit_events SET actor = 'mallory'`);
    await refused(sql`DELETE FROM audit_events`);
    await refused(sql`TRUNCATE audit_events`);
    expect(await db.select().from(auditEvents).where(eq(auditEvents.actor, 'mallory'))).toEqual([]);
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('verifies in pages and within a range', async () => {
    const { db } = handle;
    await emitMany(db, 7);
    const total = await countRecords(db);
    expect(await verifyAuditChain(db, { pageSize: 3 })).toEqual({ ok: true, count: total });
    expect(await verifyAuditChain(db, { fromSeq: 3, toSeq: 5, pageSize: 2 })).toEqual({ ok: true, count: 3 });
  });

  it('queries newest first with combined filters and a cursor', async () => {
    const db = handle.db;
    const emitter = createAuditEmitter({ db });
    const base = Date.parse('2030-01-01T00:00:00Z');
    for (let i = 0; i < 12; i++) {
      await emitter.emit({
        type: i % 2 === 0 ? 'Q_ACTIVATED' : 'Q_DEACTIVATED',
        actor: i % 3 === 0 ? 'q_alice' : 'q_bob',
        target: `q_ks_${i % 4}`,
        clientId: i < 6 ? 'q_client_a' : 'q_client_b',
        occurredAt: new Date(base + i * 60_000),
        metadata: { i },
      });
    }
    const all = await queryAudit(db, { clientId: 'q_client_a' });
    expect(all.records.map((r) => r.metadata.i)).toEqual([5, 4, 3, 2, 1, 0]);
    expect(all.nextCursor).toBeNull();

    const combined = await queryAudit(db, { type: 'Q_ACTIVATED', actor: 'q_alice' });
    expect(combined.records.map((r) => r.metadata.i)).toEqual([6, 0]);
    expect((await queryAudit(db, { type: 'Q_ACTIVATED', target: 'q_ks_1' })).records).toEqual([]);

    const window = await queryAudit(db, {
      since: new Date(base + 3 * 60_000),
      until: new Date(base + 7 * 60_000),
      actor: 'q_bob',
    });
    expect(window.records.map((r) => r.metadata.i)).toEqual([5, 4]);

    const seen: unknown[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await queryAudit(db, { type: 'Q_DEACTIVATED', limit: 4, ...(cursor ? { cursor } : {}) });
      seen.push(...page.records.map((r) => r.metadata.i));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(seen).toEqual([11, 9, 7, 5, 3, 1]);
    expect(pages).toBe(2);

    const badCursor = await queryAudit(db, { cursor: 'not-a-cursor' }).catch((e: unknown) => e);
    expect(isAuditValidationError(badCursor) && badCursor.field).toBe('cursor');
    const badLimit = await queryAudit(db, { limit: 0 }).catch((e: unknown) => e);
    expect(isAuditValidationError(badLimit) && badLimit.field).toBe('limit');
  });
});

describe.each(availableBackends())('tampering behind the trigger on %s', (backend) => {
  let handle: TestDatabase;
  beforeAll(async () => {
    handle = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await handle?.close();
  });

  // Each case builds its own chain after the previous one's, checking only its own range.
  async function freshRange(n: number): Promise<{ from: number; to: number }> {
    const [head] = await handle.db.select().from(auditChainHead);
    const from = Number(head?.seq ?? 0) + 1;
    await emitMany(handle.db, n);
    return { from, to: from + n - 1 };
  }

  it('finds an edited metadata value at its seq', async () => {
    const { from, to } = await freshRange(6);
    const victim = from + 3;
    expect(await verifyAuditChain(handle.db, { fromSeq: from, toSeq: to })).toEqual({ ok: true, count: 6 });
    await behindTheTrigger(
      handle.db,
      sql`UPDATE audit_events SET metadata = '{"i": 999}'::jsonb WHERE seq = ${victim}`,
    );
    const result = await verifyAuditChain(handle.db, { fromSeq: from, toSeq: to });
    expect(result).toMatchObject({ ok: false, brokenAt: victim, count: 3 });
    expect(result.ok === false && result.reason).toMatch(/hash/);
    // A full check from seq 1 stops at the same place.
    expect(await verifyAuditChain(handle.db)).toMatchObject({ ok: false, brokenAt: victim });
  });

  it('finds a deleted row at its seq', async () => {
    const { from, to } = await freshRange(5);
    const victim = from + 2;
    await behindTheTrigger(handle.db, sql`DELETE FROM audit_events WHERE seq = ${victim}`);
    const result = await verifyAuditChain(handle.db, { fromSeq: from, toSeq: to });
    expect(result).toMatchObject({ ok: false, brokenAt: victim, count: 2 });
    expect(result.ok === false && result.reason).toMatch(/missing/);
  });

  it('finds a deleted last row and a re-hashed row whose successor no longer links', async () => {
    const { from, to } = await freshRange(4);
    await behindTheTrigger(handle.db, sql`DELETE FROM audit_events WHERE seq = ${to}`);
    expect(await verifyAuditChain(handle.db, { fromSeq: from })).toMatchObject({ ok: false, brokenAt: to });

    // A forger who recomputes the edited row's hash still breaks the next link.
    const next = await freshRange(3); // seqs continue after the head, not the deleted row
    expect(next.from).toBe(to + 1);
    await behindTheTrigger(
      handle.db,
      sql`UPDATE audit_events SET hash = ${GENESIS_HASH.replace(/0/g, 'a')} WHERE seq = ${next.from}`,
    );
    // Checked across the hole, the deleted row is still reported first.
    expect(await verifyAuditChain(handle.db, { fromSeq: next.from - 1 })).toMatchObject({
      ok: false,
      brokenAt: next.from - 1,
    });
    // Checked from the row after the forged one, that row's prev_hash no longer links.
    const result = await verifyAuditChain(handle.db, { fromSeq: next.from + 1 });
    expect(result).toMatchObject({ ok: false, brokenAt: next.from + 1 });
    expect(result.ok === false && result.reason).toMatch(/prev_hash/);
  });
});
