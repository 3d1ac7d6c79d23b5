/**
 * A checkpoint seals the audit chain head (seq and hash) with an Ed25519
 * signature made by a key the database does not hold. Kept outside the
 * database, it proves that the trail once reached `seq` with that hash: a
 * deleted tail or a rewound head is found by comparing against it.
 */
import { type KeyObject, createHash, createPublicKey, sign, verify } from 'node:crypto';

export interface AuditCheckpoint {
  seq: number;
  hash: string;
  /** ISO-8601 instant of sealing. */
  signedAt: string;
  /** First 16 hex digits of the SHA-256 of the public key (SPKI DER): which key signed. */
  keyId: string;
  /** Ed25519 signature over the canonical payload, base64. */
  signature: string;
}

const payloadOf = (cp: Pick<AuditCheckpoint, 'seq' | 'hash' | 'signedAt'>): Buffer =>
  Buffer.from(`rtv-audit-checkpoint:v1:${cp.seq}:${cp.hash}:${cp.signedAt}`, 'utf8');

export function checkpointKeyId(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(publicKey.export({ format: 'der', type: 'spki' }))
    .digest('hex')
    .slice(0, 16);
}

export function signCheckpoint(head: { seq: number; hash: string }, privateKey: KeyObject, at: Date): AuditCheckpoint {
  const unsigned = { seq: head.seq, hash: head.hash, signedAt: at.toISOString() };
  const signature = sign(null, payloadOf(unsigned), privateKey).toString('base64');
  return { ...unsigned, keyId: checkpointKeyId(privateKey), signature };
}

/** True when the checkpoint was signed by the private half of `publicKey` and is unaltered. */
export function verifyCheckpointSignature(checkpoint: AuditCheckpoint, publicKey: KeyObject): boolean {
  try {
    return verify(null, payloadOf(checkpoint), publicKey, Buffer.from(checkpoint.signature, 'base64'));
  } catch {
    return false;
  }
}
