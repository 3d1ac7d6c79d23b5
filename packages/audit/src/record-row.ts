/**
 * Mapping between `audit_events` rows and `AuditRecord`s, in one place so
 * the emitter, verifier, query and sinks read records identically.
 */
import type { AuditEventRow, NewAuditEventRow } from '@rtv/db';
import type { AuditRecord } from './ports';

export function recordFromRow(row: AuditEventRow): AuditRecord {
  return {
    seq: Number(row.seq),
    id: row.id,
    type: row.type,
    actor: row.actor,
    target: row.target,
    clientId: row.clientId,
    metadata: row.metadata ?? {},
    occurredAt: row.occurredAt,
    prevHash: row.prevHash,
    hash: row.hash,
  };
}

export function rowFromRecord(record: AuditRecord): NewAuditEventRow {
  return {
    seq: record.seq,
    id: record.id,
    type: record.type,
    actor: record.actor,
    target: record.target,
    clientId: record.clientId,
    metadata: record.metadata,
    occurredAt: record.occurredAt,
    prevHash: record.prevHash,
    hash: record.hash,
  };
}
