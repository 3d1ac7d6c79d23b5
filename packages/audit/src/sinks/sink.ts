/**
 * The sink port: where committed audit records are copied after commit
 * (logs, files, webhooks), and the JSON form every sink writes.
 */
import type { AuditRecord } from '../ports';

/**
 * A destination for committed records. Delivery is at least once: after a
 * failure or a restart the same records may arrive again, so a receiver
 * deduplicates by `id` (or keeps the highest `seq` seen).
 */
export interface AuditSink {
  /** Stable name; keys the delivery cursor in `audit_sink_cursors` (at most 100 characters). */
  readonly name: string;
  /** Delivers a batch in `seq` order; a rejection means "retry this whole batch later". */
  deliver(records: AuditRecord[]): Promise<void>;
}

/** An `AuditRecord` as plain JSON (dates as ISO strings). */
export interface AuditRecordJson {
  seq: number;
  id: string;
  type: string;
  actor: string;
  target: string | null;
  clientId: string | null;
  metadata: Record<string, unknown>;
  occurredAt: string;
  prevHash: string;
  hash: string;
}

export function auditRecordToJson(record: AuditRecord): AuditRecordJson {
  return {
    seq: record.seq,
    id: record.id,
    type: record.type,
    actor: record.actor,
    target: record.target,
    clientId: record.clientId,
    metadata: record.metadata,
    occurredAt: record.occurredAt.toISOString(),
    prevHash: record.prevHash,
    hash: record.hash,
  };
}
