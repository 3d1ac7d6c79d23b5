/**
 * The audit port: what every emitter (Postgres, memory) offers, and the
 * event and record shapes. Consumers such as the kill-switch service are
 * written against this, never against an adapter.
 */
import type { Transaction } from '@rtv/db';

/** The specification's event shape, plus optional client and time. */
export interface AuditEventInput {
  /** What happened, e.g. `KILL_SWITCH_ACTIVATED`. */
  type: string;
  /** Who did it: a user id or `system:<component>`. */
  actor: string;
  /** What it was done to, e.g. a switch id. */
  target?: string | null;
  /** JSON-serialisable details. */
  metadata?: Record<string, unknown>;
  clientId?: string | null;
  /** @default the emitter's clock */
  occurredAt?: Date;
}

/** A stored audit record: the event plus its place in the hash chain. */
export interface AuditRecord {
  seq: number;
  id: string;
  type: string;
  actor: string;
  target: string | null;
  clientId: string | null;
  metadata: Record<string, unknown>;
  occurredAt: Date;
  prevHash: string;
  hash: string;
}

export interface EmitOptions {
  /**
   * Write inside the caller's transaction, so the audit record commits or
   * rolls back with the change it describes.
   */
  tx?: Transaction;
}

/** Where time comes from, so tests can fix it (same shape as `@rtv/policy`'s `Clock`). */
export interface AuditClock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemAuditClock: AuditClock = { now: () => Date.now() };

export interface AuditEmitter {
  /** Validates, stores and returns the record; throws `AuditValidationError` on bad input. */
  emit(event: AuditEventInput, options?: EmitOptions): Promise<AuditRecord>;
  /** Stops sink delivery loops; pending deliveries resume on the next start. */
  close(): Promise<void>;
}
