/**
 * Compares the stored trail with checkpoints kept outside the database: each
 * checkpoint's record must still be there with the same hash, and the head
 * must not be below it. Finds a deleted tail and a rewound head, which the
 * chain alone cannot (a consistent shorter chain still links).
 */
import type { KeyObject } from 'node:crypto';
import { type Executor, auditChainHead, auditEvents } from '@rtv/db';
import { eq } from 'drizzle-orm';
import { type AuditCheckpoint, verifyCheckpointSignature } from './checkpoint';

export type CheckpointVerdict =
  | { ok: true; checked: number; latest: AuditCheckpoint | null }
  | { ok: false; checked: number; latest: AuditCheckpoint | null; brokenAt: number; reason: string };

export async function verifyAgainstCheckpoints(
  db: Executor,
  checkpoints: readonly AuditCheckpoint[],
  publicKey: KeyObject,
): Promise<CheckpointVerdict> {
  const [head] = await db.select().from(auditChainHead).where(eq(auditChainHead.id, 1));
  const headSeq = Number(head?.seq ?? 0);
  const sorted = [...checkpoints].sort((a, b) => a.seq - b.seq);
  let latest: AuditCheckpoint | null = null;
  let checked = 0;
  for (const cp of sorted) {
    const fail = (reason: string): CheckpointVerdict => ({ ok: false, checked, latest, brokenAt: cp.seq, reason });
    if (!verifyCheckpointSignature(cp, publicKey)) return fail(`checkpoint at seq ${cp.seq} has a bad signature`);
    if (headSeq < cp.seq) {
      return fail(`the chain head is at seq ${headSeq}, below the checkpoint at seq ${cp.seq}: the head was rewound`);
    }
    const [row] = await db.select({ hash: auditEvents.hash }).from(auditEvents).where(eq(auditEvents.seq, cp.seq));
    if (!row) return fail(`seq ${cp.seq}, sealed by a checkpoint, is missing: the tail was deleted`);
    if (row.hash !== cp.hash) return fail(`seq ${cp.seq} no longer has the hash its checkpoint sealed: rewritten`);
    latest = cp;
    checked++;
  }
  return { ok: true, checked, latest };
}
