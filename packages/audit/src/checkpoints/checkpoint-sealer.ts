/**
 * Seals the chain head now: reads it, signs it, ships it to every sink, and
 * notes it in `audit_checkpoints` (metadata only: the proof is the copy outside).
 */
import { type KeyObject, createPublicKey } from 'node:crypto';
import { type Executor, auditChainHead, auditCheckpoints } from '@rtv/db';
import { eq } from 'drizzle-orm';
import { type AuditClock, systemAuditClock } from '../ports';
import { type AuditCheckpoint, signCheckpoint } from './checkpoint';
import type { CheckpointSink } from './checkpoint-sinks';

export interface CheckpointSealerOptions {
  db: Executor;
  /** An Ed25519 private key kept outside the database (a file, a secret manager). */
  privateKey: KeyObject;
  sinks: readonly CheckpointSink[];
  clock?: AuditClock;
}

export interface CheckpointSealer {
  /** The key that verifies this sealer's checkpoints. */
  readonly publicKey: KeyObject;
  seal(): Promise<AuditCheckpoint>;
}

export function createCheckpointSealer(options: CheckpointSealerOptions): CheckpointSealer {
  const clock = options.clock ?? systemAuditClock;
  return {
    publicKey: createPublicKey(options.privateKey),
    async seal() {
      const [head] = await options.db.select().from(auditChainHead).where(eq(auditChainHead.id, 1));
      if (!head) throw new Error('audit_chain_head has no row: run migrate(db)');
      const checkpoint = signCheckpoint(
        { seq: Number(head.seq), hash: head.hash },
        options.privateKey,
        new Date(clock.now()),
      );
      // Every sink first: a checkpoint that only the database holds proves nothing.
      for (const sink of options.sinks) await sink.write(checkpoint);
      await options.db
        .insert(auditCheckpoints)
        .values({ ...checkpoint, signedAt: new Date(checkpoint.signedAt) })
        .onConflictDoNothing();
      return checkpoint;
    },
  };
}
