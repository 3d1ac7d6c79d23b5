/**
 * The control plane's tables: API tokens (stored hashed), release requests
 * of the two-person rule, break-glass bypasses, signed triggers with the
 * nonces they have seen, and the metadata of signed audit checkpoints.
 * The chain head's guard triggers are in migration 0005 (hand-written SQL).
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  varchar,
} from 'drizzle-orm/pg-core';
import { killSwitches } from './kill-switches';

export const adminRoles = ['admin', 'operator', 'viewer', 'monitor'] as const;
export type AdminRole = (typeof adminRoles)[number];

export const releaseRequestStatuses = ['pending', 'approved', 'refused', 'expired'] as const;
export type ReleaseRequestStatus = (typeof releaseRequestStatuses)[number];

/** An API token: only the SHA-256 of its secret is kept; the token is shown once. */
export const adminTokens = pgTable(
  'admin_tokens',
  {
    id: varchar('id', { length: 36 }).primaryKey(),
    name: varchar('name', { length: 100 }).notNull(),
    role: varchar('role', { length: 20 }).notNull().$type<AdminRole>(),
    /** Operators and monitors are fenced to these clients; empty for admins and viewers. */
    clients: jsonb('clients').$type<string[]>().notNull().default([]),
    /** May release alone (break-glass), with a reason and a bounded bypass. */
    breakGlass: boolean('break_glass').notNull().default(false),
    secretHash: varchar('secret_hash', { length: 64 }).notNull(),
    createdBy: varchar('created_by', { length: 100 }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [check('admin_tokens_role_valid', sql`${t.role} IN ('admin', 'operator', 'viewer', 'monitor')`)],
);

/** A release that waits for a second, different identity. */
export const releaseRequests = pgTable(
  'release_requests',
  {
    id: varchar('id', { length: 36 }).primaryKey(),
    switchId: varchar('switch_id', { length: 36 })
      .notNull()
      .references(() => killSwitches.id),
    requestedBy: varchar('requested_by', { length: 100 }).notNull(),
    reasonCode: varchar('reason_code', { length: 50 }).notNull(),
    reason: text('reason').notNull(),
    status: varchar('status', { length: 20 }).notNull().$type<ReleaseRequestStatus>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    decidedBy: varchar('decided_by', { length: 100 }),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
  },
  (t) => [
    index('release_requests_switch_idx').on(t.switchId, t.status),
    check('release_requests_status_valid', sql`${t.status} IN ('pending', 'approved', 'refused', 'expired')`),
  ],
);

/** A break-glass release: the switch is off until `expiresAt`, then it holds again. */
export const switchBypasses = pgTable(
  'switch_bypasses',
  {
    id: varchar('id', { length: 36 }).primaryKey(),
    switchId: varchar('switch_id', { length: 36 })
      .notNull()
      .references(() => killSwitches.id),
    actor: varchar('actor', { length: 100 }).notNull(),
    reasonCode: varchar('reason_code', { length: 50 }).notNull(),
    reason: text('reason').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
  },
  (t) => [index('switch_bypasses_open_idx').on(t.endedAt, t.expiresAt)],
);

/** A signed webhook that trips one switch. The secret is needed to check HMACs, so it is kept as issued. */
export const adminTriggers = pgTable('admin_triggers', {
  id: varchar('id', { length: 36 }).primaryKey(),
  name: varchar('name', { length: 100 }).notNull(),
  switchId: varchar('switch_id', { length: 36 })
    .notNull()
    .references(() => killSwitches.id),
  secret: varchar('secret', { length: 128 }).notNull(),
  createdBy: varchar('created_by', { length: 100 }).notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});

/** Signatures a trigger has accepted inside the replay window: a second delivery is a replay. */
export const triggerNonces = pgTable(
  'trigger_nonces',
  {
    triggerId: varchar('trigger_id', { length: 36 }).notNull(),
    nonce: varchar('nonce', { length: 128 }).notNull(),
    seenAt: timestamp('seen_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.triggerId, t.nonce] })],
);

/** Where the chain head was sealed; the signed copies live outside the database (the sink). */
export const auditCheckpoints = pgTable('audit_checkpoints', {
  seq: bigint('seq', { mode: 'number' }).primaryKey(),
  hash: varchar('hash', { length: 64 }).notNull(),
  keyId: varchar('key_id', { length: 64 }).notNull(),
  signature: text('signature').notNull(),
  signedAt: timestamp('signed_at', { withTimezone: true }).notNull(),
});

export type AdminTokenRow = typeof adminTokens.$inferSelect;
export type ReleaseRequestRow = typeof releaseRequests.$inferSelect;
export type SwitchBypassRow = typeof switchBypasses.$inferSelect;
export type AdminTriggerRow = typeof adminTriggers.$inferSelect;
export type AuditCheckpointRow = typeof auditCheckpoints.$inferSelect;
