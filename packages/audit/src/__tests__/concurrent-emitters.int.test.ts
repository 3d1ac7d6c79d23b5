/**
 * Many emitters on their own connections, as separate processes would be,
 * build one gap-free, valid chain through the chain head's row lock.
 */
import { type DbHandle, auditEvents, createDb } from '@rtv/db';
import { type TestDatabase, createTestDatabase, postgresAvailable } from '@rtv/testing';
import { asc } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditEmitter } from '../postgres-emitter';
import { verifyAuditChain } from '../verify-chain';

const EMITTERS = 8;
const EVENTS_EACH = 200;

describe.skipIf(!postgresAvailable())('concurrent emitters on postgres', () => {
  let handle: TestDatabase;
  const connections: DbHandle[] = [];
  beforeAll(async () => {
    handle = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await Promise.all(connections.map((c) => c.close()));
    await handle?.close();
  });

  it(`${EMITTERS} emitters x ${EVENTS_EACH} events make one valid chain, seq 1..${EMITTERS * EVENTS_EACH}`, async () => {
    for (let e = 0; e < EMITTERS; e++) connections.push(createDb(handle.url, { max: 1 }));
    const returned = await Promise.all(
      connections.map(async (connection, e) => {
        const emitter = createAuditEmitter({ db: connection.db });
        const seqs: number[] = [];
        for (let i = 0; i < EVENTS_EACH; i++) {
          const record = await emitter.emit({ type: 'LOAD', actor: `emitter_${e}`, metadata: { e, i } });
          seqs.push(record.seq);
        }
        await emitter.close();
        return seqs;
      }),
    );
    const total = EMITTERS * EVENTS_EACH;
    // Each emitter saw its own seqs increase; together they cover 1..total once each.
    for (const seqs of returned) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(returned.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));

    const rows = await handle.db.select({ seq: auditEvents.seq }).from(auditEvents).orderBy(asc(auditEvents.seq));
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(await verifyAuditChain(handle.db)).toEqual({ ok: true, count: total });
  });
});
