/**
 * The in-memory emitter builds the same hash chain as the Postgres one, so
 * consumers' unit tests can check what they audited and that it is chained.
 */
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, hashRecord, verifyRecordChain } from '../hash-chain';
import { createMemoryAuditEmitter } from '../memory-emitter';

const fixedClock = { now: () => Date.UTC(2025, 0, 2, 3, 4, 5, 6) };

describe('createMemoryAuditEmitter', () => {
  it('numbers records from 1 and links each to the previous hash', async () => {
    const emitter = createMemoryAuditEmitter({ clock: fixedClock });
    for (let i = 0; i < 5; i++) {
      await emitter.emit({ type: 'KILL_SWITCH_ACTIVATED', actor: 'alice', target: `ks_${i}`, metadata: { i } });
    }
    const records = emitter.records();
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(records[0]?.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < records.length; i++) expect(records[i]?.prevHash).toBe(records[i - 1]?.hash);
    for (const record of records) {
      expect(record.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(record.id).toMatch(/^aud_[A-Za-z0-9_-]{21}$/);
      expect(record.occurredAt.toISOString()).toBe('2025-01-02T03:04:05.006Z');
    }
    expect(new Set(records.map((r) => r.id)).size).toBe(5);
    expect(verifyRecordChain(records)).toBeNull();
  });

  it('fills defaults and keeps a given occurredAt', async () => {
    const emitter = createMemoryAuditEmitter({ clock: fixedClock });
    const at = new Date('2024-06-01T00:00:00Z');
    const record = await emitter.emit({ type: 'LEGAL_HOLD_PLACED', actor: 'system:legal', occurredAt: at });
    expect(record).toMatchObject({ target: null, clientId: null, metadata: {}, occurredAt: at });
  });

  it('hashes the same event to the same value regardless of metadata key order', async () => {
    const a = createMemoryAuditEmitter({ clock: fixedClock });
    const b = createMemoryAuditEmitter({ clock: fixedClock });
    const ra = await a.emit({ type: 'T', actor: 'x', metadata: { p: 1, q: { s: 2, r: 3 } } });
    const rb = await b.emit({ type: 'T', actor: 'x', metadata: { q: { r: 3, s: 2 }, p: 1 } });
    // Ids differ, so compare the hash recomputed with one id.
    expect(hashRecord({ ...rb, id: ra.id })).toBe(ra.hash);
  });

  it('detects a changed, removed or relinked record at its seq', async () => {
    const emitter = createMemoryAuditEmitter({ clock: fixedClock });
    for (let i = 0; i < 4; i++) await emitter.emit({ type: 'T', actor: 'x', metadata: { i } });
    const edited = emitter.records();
    edited[2] = { ...(edited[2] as (typeof edited)[number]), metadata: { i: 99 } };
    expect(verifyRecordChain(edited)?.seq).toBe(3);

    const removed = emitter.records().filter((r) => r.seq !== 2);
    expect(verifyRecordChain(removed)?.seq).toBe(2);

    const relinked = emitter.records();
    const third = relinked[2] as (typeof relinked)[number];
    const forged = { ...third, prevHash: GENESIS_HASH };
    relinked[2] = { ...forged, hash: hashRecord(forged) };
    expect(verifyRecordChain(relinked)).toMatchObject({ seq: 3 });
  });

  it('hands out copies: mutating a returned record leaves the chain intact', async () => {
    const emitter = createMemoryAuditEmitter();
    const record = await emitter.emit({ type: 'T', actor: 'x', metadata: { list: [1] } });
    (record.metadata.list as number[]).push(2);
    const [first] = emitter.records();
    (first?.metadata.list as number[]).push(3);
    expect(emitter.records()[0]?.metadata).toEqual({ list: [1] });
    expect(verifyRecordChain(emitter.records())).toBeNull();
  });
});
