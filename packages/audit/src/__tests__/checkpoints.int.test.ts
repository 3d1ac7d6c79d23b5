/**
 * Checkpoints against tampering that the chain alone cannot see: a superuser
 * deletes the tail and rewinds the head consistently (the shorter chain
 * still links, so verifyAuditChain alone says ok); a signed checkpoint kept
 * outside the database finds it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestDatabase, createTestDatabase } from '@rtv/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCheckpoint, verifyCheckpointSignature } from '../checkpoints/checkpoint';
import { createCheckpointSealer } from '../checkpoints/checkpoint-sealer';
import { createFileCheckpointSink, readCheckpointFile } from '../checkpoints/checkpoint-sinks';
import { createAuditEmitter } from '../postgres-emitter';
import { verifyAuditChain } from '../verify-chain';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
let database: TestDatabase;
let file: string;

async function emitSome(count: number): Promise<void> {
  const audit = createAuditEmitter({ db: database.db });
  for (let i = 0; i < count; i++) await audit.emit({ type: 'TEST', actor: 'user:test', target: `t${i}` });
  await audit.close();
}

/** What an owner or superuser can do: bypass the triggers, delete the tail, move the head back. */
async function deleteTailAndRewind(keep: number): Promise<void> {
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`SET LOCAL session_replication_role = replica`);
    await tx.execute(sql`DELETE FROM audit_events WHERE seq > ${keep}`);
    await tx.execute(sql`UPDATE audit_chain_head SET seq = ${keep},
      hash = (SELECT hash FROM audit_events WHERE seq = ${keep}) WHERE id = 1`);
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  file = join(mkdtempSync(join(tmpdir(), 'rtv-cp-')), 'checkpoints.jsonl');
});
afterAll(async () => database?.close());

describe('audit checkpoints', () => {
  it('signs with Ed25519 and refuses an altered checkpoint', () => {
    const cp = signCheckpoint({ seq: 3, hash: 'a'.repeat(64) }, privateKey, new Date());
    expect(verifyCheckpointSignature(cp, publicKey)).toBe(true);
    expect(verifyCheckpointSignature({ ...cp, seq: 2 }, publicKey)).toBe(false);
    const other = generateKeyPairSync('ed25519').publicKey;
    expect(verifyCheckpointSignature(cp, other)).toBe(false);
  });

  it('finds a deleted tail and a rewound head that the chain alone does not', async () => {
    await emitSome(6);
    const sealer = createCheckpointSealer({ db: database.db, privateKey, sinks: [createFileCheckpointSink(file)] });
    const sealed = await sealer.seal();
    expect(sealed.seq).toBe(6);
    const list = await readCheckpointFile(file);
    expect(list).toEqual([sealed]);
    expect(await verifyAuditChain(database.db, { checkpoints: { list, publicKey } })).toEqual({ ok: true, count: 6 });

    await deleteTailAndRewind(4);
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, count: 4 });
    const found = await verifyAuditChain(database.db, { checkpoints: { list, publicKey } });
    expect(found).toMatchObject({ ok: false, brokenAt: 6 });
    expect(found.ok === false && found.reason).toContain('rewound');

    // Appending again refills seqs 5 and 6, but with other hashes: still found.
    await emitSome(3);
    const refilled = await verifyAuditChain(database.db, { checkpoints: { list, publicKey } });
    expect(refilled).toMatchObject({ ok: false, brokenAt: 6 });
    expect(refilled.ok === false && refilled.reason).toContain('no longer has the hash');
  });
});
