/**
 * The audit trail: an append-only, hash-chained log. `seq` is gap-free
 * because it is assigned under the chain head's row lock, not by a sequence
 * (a sequence leaves gaps when a transaction rolls back).
 */
import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, jsonb, pgTable, text, timestamp, varchar } from 'drizzle-orm/pg-core';

export const auditEvents = pgTable(
  'audit_events',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    id: varchar('id', { length: 36 }).notNull().unique(),
    type: varchar('type', { length: 100 }).notNull(),
    actor: varchar('actor', { length: 200 }).notNull(),
    target: varchar('target', { length: 200 }),
    clientId: varchar('client_id', { length: 100 }),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
    /** Hash of the previous record; 64 zeros for the first. */
    prevHash: varchar('prev_hash', { length: 64 }).notNull(),
    /** SHA-256 over the canonical encoding of this record and prevHash. */
    hash: varchar('hash', { length: 64 }).notNull(),
  },
  (t) => [
    index('audit_events_target_idx').on(t.target, t.seq),
    index('audit_events_actor_idx').on(t.actor, t.seq),
    index('audit_events_type_idx').on(t.type, t.seq),
    index('audit_events_client_idx').on(t.clientId, t.seq),
    index('audit_events_occurred_at_idx').on(t.occurredAt),
    check('audit_events_seq_positive', sql`${t.seq} > 0`),
  ],
);

/**
 * The chain's tail (id = 1): last seq and hash. Emitters lock this row for
 * the rest of their transaction, so concurrent emitters build one chain.
 */
export const auditChainHead = pgTable(
  'audit_chain_head',
  {
    id: integer('id').primaryKey().default(1),
    seq: bigint('seq', { mode: 'number' }).notNull().default(0),
    hash: varchar('hash', { length: 64 }).notNull(),
  },
  (t) => [check('audit_chain_head_single_row', sql`${t.id} = 1`)],
);

/** Where each sink has delivered up to, so a restart resumes without loss. */
export const auditSinkCursors = pgTable('audit_sink_cursors', {
  sink: varchar('sink', { length: 100 }).primaryKey(),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
  attempts: integer('attempts').notNull().default(0),
  lastError: text('last_error'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export type AuditEventRow = typeof auditEvents.$inferSelect;
export type NewAuditEventRow = typeof auditEvents.$inferInsert;
export type AuditSinkCursor = typeof auditSinkCursors.$inferSelect;
