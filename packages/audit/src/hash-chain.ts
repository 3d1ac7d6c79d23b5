/**
 * The tamper-evident link between records: each hash covers the record's
 * canonical encoding and the previous hash, so editing any record breaks every later link.
 */
import { createHash } from 'node:crypto';
import { nanoid } from 'nanoid';
import { canonicalJson } from './canonical-json';
import type { AuditRecord } from './ports';

/** The `prevHash` of the first record, and the seeded chain head's hash. */
export const GENESIS_HASH = '0'.repeat(64);

/** Audit record ids: `aud_` + nanoid (25 characters, fits `varchar(36)`). */
export function newAuditId(): string {
  return `aud_${nanoid()}`;
}

/** The fields a record's hash covers; `recordedAt` is not among them (the database sets it). */
export type HashedFields = Omit<AuditRecord, 'hash'>;

/** SHA-256 (hex) over the canonical encoding of the record and its `prevHash`. */
export function hashRecord(record: HashedFields): string {
  const encoded = canonicalJson({
    seq: record.seq,
    id: record.id,
    type: record.type,
    actor: record.actor,
    target: record.target,
    clientId: record.clientId,
    metadata: record.metadata,
    occurredAt: record.occurredAt.toISOString(),
    prevHash: record.prevHash,
  });
  return createHash('sha256').update(encoded, 'utf8').digest('hex');
}

/** Where and why a chain breaks. */
export interface ChainBreak {
  /** The first broken seq: a missing one, or the record whose link or hash is wrong. */
  seq: number;
  reason: string;
}

/**
 * Why `record` does not follow a chain whose last record had `expectedSeq - 1`
 * and `expectedPrevHash`, or `null` when it does. Shared by the database
 * verifier and the in-memory emitter, so both judge a chain the same way.
 */
export function linkProblem(record: AuditRecord, expectedSeq: number, expectedPrevHash: string): ChainBreak | null {
  if (record.seq !== expectedSeq) {
    return { seq: expectedSeq, reason: `seq ${expectedSeq} is missing (the next record found is ${record.seq})` };
  }
  if (record.prevHash !== expectedPrevHash) {
    return {
      seq: record.seq,
      reason: `prev_hash of seq ${record.seq} does not match the hash of seq ${expectedSeq - 1}`,
    };
  }
  if (hashRecord(record) !== record.hash) {
    return { seq: record.seq, reason: `hash of seq ${record.seq} does not match its contents` };
  }
  return null;
}

/** Checks a whole in-memory chain from seq 1 (e.g. `createMemoryAuditEmitter().records()`). */
export function verifyRecordChain(records: readonly AuditRecord[]): ChainBreak | null {
  let prevHash = GENESIS_HASH;
  let expected = 1;
  for (const record of records) {
    const problem = linkProblem(record, expected, prevHash);
    if (problem) return problem;
    prevHash = record.hash;
    expected++;
  }
  return null;
}
