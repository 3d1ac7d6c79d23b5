/**
 * Appends audit records to the hash chain in ONE server-side statement: it locks the chain
 * head, computes each seq, prev_hash and hash (sha256 in SQL), inserts and moves the head.
 */
import { type SQL, sql } from 'drizzle-orm';
import { canonicalJson } from './canonical-json';
import { newAuditId } from './hash-chain';
import type { AuditRecord } from './ports';
import type { ValidAuditEvent } from './validate-event';

/**
 * A validated record waiting for its place in the chain. The JS holds everything but `seq`
 * and `prevHash`; the canonical encoding is split around them so the server can hash
 * `prefix || prev_hash || '","seq":' || seq || suffix`, exactly the bytes `hashRecord` hashes.
 */
export interface PendingAuditRecord extends ValidAuditEvent {
  id: string;
  prefix: string;
  suffix: string;
}

/**
 * The canonical encoding sorts keys: actor, clientId, id, metadata, occurredAt come before
 * prevHash and seq, target and type after, so the split is exact whatever the values hold.
 */
export function pendingRecord(event: ValidAuditEvent, id: string = newAuditId()): PendingAuditRecord {
  const before = canonicalJson({
    actor: event.actor,
    clientId: event.clientId,
    id,
    metadata: event.metadata,
    occurredAt: event.occurredAt.toISOString(),
  });
  const after = canonicalJson({ target: event.target, type: event.type });
  return { ...event, id, prefix: `${before.slice(0, -1)},"prevHash":"`, suffix: `,${after.slice(1)}` };
}

/**
 * The statement, with the caller's own CTEs (e.g. a state version bump) joined in, so the
 * chain head and the caller's hot row are locked by the same last statement before COMMIT.
 * It returns one row per record: `id, seq, prev_hash, hash`, in chain order, and `returned`,
 * the value of the caller's `returning` expression over its CTEs, when given.
 */
export function chainAppendStatement(records: readonly PendingAuditRecord[], extraCtes?: SQL, returning?: SQL): SQL {
  const input = JSON.stringify(
    records.map((r, i) => ({
      n: i + 1,
      id: r.id,
      type: r.type,
      actor: r.actor,
      target: r.target,
      clientId: r.clientId,
      metadata: r.metadata,
      occurredAt: r.occurredAt.toISOString(),
      prefix: r.prefix,
      suffix: r.suffix,
    })),
  );
  return sql`WITH RECURSIVE
  audit_input AS (
    SELECT (e->>'n')::int AS n, e->>'id' AS id, e->>'type' AS type, e->>'actor' AS actor,
      e->>'target' AS target, e->>'clientId' AS client_id, e->'metadata' AS metadata,
      (e->>'occurredAt')::timestamptz AS occurred_at, e->>'prefix' AS prefix, e->>'suffix' AS suffix
    FROM jsonb_array_elements(${input}::jsonb) AS e),
  audit_head AS (SELECT seq, hash FROM audit_chain_head WHERE id = 1 FOR UPDATE),
  audit_chain AS (
    SELECT 0 AS n, seq, hash::text AS hash, NULL::text AS prev_hash FROM audit_head
    UNION ALL
    SELECT c.n + 1, c.seq + 1,
      encode(sha256(convert_to(i.prefix || c.hash || '","seq":' || (c.seq + 1)::text || i.suffix, 'UTF8')), 'hex'),
      c.hash
    FROM audit_chain c JOIN audit_input i ON i.n = c.n + 1),
  audit_inserted AS (
    INSERT INTO audit_events (seq, id, type, actor, target, client_id, metadata, occurred_at, prev_hash, hash)
    SELECT c.seq, i.id, i.type, i.actor, i.target, i.client_id, i.metadata, i.occurred_at, c.prev_hash, c.hash
    FROM audit_chain c JOIN audit_input i ON i.n = c.n
    RETURNING id, seq, prev_hash, hash),
  audit_moved AS (
    UPDATE audit_chain_head h SET seq = last.seq, hash = last.hash
    FROM (SELECT seq, hash FROM audit_chain ORDER BY n DESC LIMIT 1) AS last
    WHERE h.id = 1
    RETURNING h.seq)${extraCtes ? sql`,\n  ${extraCtes}` : sql``}
  SELECT id, seq, prev_hash, hash${returning ? sql`, (${returning}) AS returned` : sql``} FROM audit_inserted ORDER BY seq`;
}

/** The stored records, from the pending ones and the rows the statement returned. */
export function recordsOf(
  records: readonly PendingAuditRecord[],
  rows: readonly { id: string; seq: string | number; prev_hash: string; hash: string }[],
): AuditRecord[] {
  const byId = new Map(rows.map((row) => [row.id, row]));
  return records.map((r) => {
    const row = byId.get(r.id);
    if (!row) throw new Error(`audit record ${r.id} was not inserted: is audit_chain_head seeded (migrate(db))?`);
    const { prefix: _prefix, suffix: _suffix, ...event } = r;
    return { ...event, seq: Number(row.seq), prevHash: row.prev_hash, hash: row.hash };
  });
}
