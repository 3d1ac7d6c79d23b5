/**
 * Re-checks the stored chain page by page: every seq present, every
 * prev_hash linked and every hash recomputed from the row as read back.
 */
import type { KeyObject } from 'node:crypto';
import { type Executor, auditChainHead, auditEvents } from '@rtv/db';
import { and, asc, eq, gte, lte } from 'drizzle-orm';
import type { AuditCheckpoint } from './checkpoints/checkpoint';
import { verifyAgainstCheckpoints } from './checkpoints/verify-checkpoints';
import { AuditValidationError } from './errors';
import { GENESIS_HASH, linkProblem } from './hash-chain';
import { recordFromRow } from './record-row';

export interface VerifyAuditChainOptions {
  /** First seq to check; its prev_hash is checked against the stored hash of `fromSeq - 1`. @default 1 */
  fromSeq?: number;
  /** Last seq to check. @default the chain head's seq when the check starts */
  toSeq?: number;
  /** Rows read per query. @default 1000 */
  pageSize?: number;
  /**
   * Signed checkpoints kept outside the database and the public key they were sealed with:
   * a deleted tail or a rewound head (which still links) is then found too. @default none
   */
  checkpoints?: { list: readonly AuditCheckpoint[]; publicKey: KeyObject };
}

export type VerifyAuditChainResult =
  | { ok: true; count: number }
  | {
      ok: false;
      /** Records checked and found sound before the break. */
      count: number;
      /** The first broken seq. */
      brokenAt: number;
      reason: string;
    };

/**
 * Verifies the chain between `fromSeq` and `toSeq`. Records committed while
 * it runs are left for the next check: the range ends at the head read first.
 */
export async function verifyAuditChain(
  db: Executor,
  options: VerifyAuditChainOptions = {},
): Promise<VerifyAuditChainResult> {
  const links = await verifyChainLinks(db, options);
  if (!links.ok || !options.checkpoints) return links;
  const verdict = await verifyAgainstCheckpoints(db, options.checkpoints.list, options.checkpoints.publicKey);
  return verdict.ok ? links : { ok: false, count: links.count, brokenAt: verdict.brokenAt, reason: verdict.reason };
}

async function verifyChainLinks(db: Executor, options: VerifyAuditChainOptions): Promise<VerifyAuditChainResult> {
  const fromSeq = options.fromSeq ?? 1;
  const pageSize = Math.max(1, options.pageSize ?? 1000);
  if (!Number.isSafeInteger(fromSeq) || fromSeq < 1)
    throw new AuditValidationError('fromSeq', 'fromSeq must be an integer >= 1');
  if (options.toSeq !== undefined && !Number.isSafeInteger(options.toSeq)) {
    throw new AuditValidationError('toSeq', 'toSeq must be an integer');
  }

  const [head] = await db.select().from(auditChainHead).where(eq(auditChainHead.id, 1));
  if (!head) return { ok: false, count: 0, brokenAt: fromSeq, reason: 'audit_chain_head has no row' };
  const headSeq = Number(head.seq);
  const toSeq = Math.min(options.toSeq ?? headSeq, headSeq);

  let prevHash = GENESIS_HASH;
  if (fromSeq > 1) {
    const [previous] = await db
      .select({ hash: auditEvents.hash })
      .from(auditEvents)
      .where(eq(auditEvents.seq, fromSeq - 1));
    if (!previous) {
      return { ok: false, count: 0, brokenAt: fromSeq - 1, reason: `seq ${fromSeq - 1} is missing` };
    }
    prevHash = previous.hash;
  }

  let count = 0;
  let expected = fromSeq;
  while (expected <= toSeq) {
    const rows = await db
      .select()
      .from(auditEvents)
      .where(and(gte(auditEvents.seq, expected), lte(auditEvents.seq, toSeq)))
      .orderBy(asc(auditEvents.seq))
      .limit(pageSize);
    if (rows.length === 0) break;
    for (const row of rows) {
      const record = recordFromRow(row);
      const problem = linkProblem(record, expected, prevHash);
      if (problem) return { ok: false, count, brokenAt: problem.seq, reason: problem.reason };
      prevHash = record.hash;
      expected++;
      count++;
    }
  }
  if (expected <= toSeq) {
    return {
      ok: false,
      count,
      brokenAt: expected,
      reason: `seq ${expected} is missing (the chain head is at ${headSeq})`,
    };
  }
  if (toSeq === headSeq && headSeq >= fromSeq && prevHash !== head.hash) {
    return { ok: false, count, brokenAt: headSeq, reason: `the chain head's hash does not match seq ${headSeq}` };
  }
  return { ok: true, count };
}
