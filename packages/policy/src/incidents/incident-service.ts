/**
 * Incidents (the AOS seed's auto-grouped failures): each auto-trip opens one, linked to its switch,
 * with an append-only timeline. Every change, its timeline event and its audit record share ONE transaction.
 */
import type { AuditEmitter } from '@rtv/audit';
import {
  type Database,
  type Incident,
  type IncidentEvent,
  type IncidentEventType,
  type IncidentSeverity,
  type IncidentStatus,
  type IncidentTriggerType,
  type Transaction,
  incidentEvents,
  incidents,
} from '@rtv/db';
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { type WriteAttempt, createWriteRunner } from '../adapters/postgres/write-transaction';
import { type Clock, systemClock } from '../ports';
import {
  parseIncidentFilter,
  parseIncidentId,
  parseIncidentNote,
  parseIncidentTransition,
  parseOpenIncident,
} from './incident-input';
import { insertIncident, notFound, recordEvent, refusal } from './incident-rows';

export type { Incident, IncidentEvent, IncidentEventType, IncidentSeverity, IncidentStatus, IncidentTriggerType };

export { INCIDENT_AUDIT_TYPES, newIncidentId } from './incident-rows';

export interface OpenIncidentInput {
  /** @default a new `inc_` id */
  id?: string;
  /** The switch the incident tripped (or is about). */
  killSwitchId?: string | null;
  /** The client affected; null or absent when every client is. */
  clientId?: string | null;
  title: string;
  severity: IncidentSeverity;
  triggerType: IncidentTriggerType;
  /** The observed value that crossed the threshold (a rate, a mean latency, a mean cost). */
  triggerValue?: number | null;
  threshold?: number | null;
  errorRate?: number | null;
  /** @default 0 */
  callsAffected?: number;
  /** @default the service's clock */
  startedAt?: Date;
  /** Who opened it: a user, or `system:auto_trip`. */
  actor: string;
  /** Kept on the `opened` timeline event. */
  notes?: string;
  metadata?: Record<string, unknown>;
}

export interface ListIncidentsFilter {
  status?: IncidentStatus | IncidentStatus[];
  clientId?: string;
  killSwitchId?: string;
  /** Newest first. @default 50 (at most 1000) */
  limit?: number;
}

export interface IncidentTransitionInput {
  id: string;
  actor: string;
  notes?: string;
}

export interface IncidentWithTimeline extends Incident {
  /** Oldest first: opened, then acknowledged / notes, then resolved. */
  timeline: IncidentEvent[];
}

export interface IncidentService {
  open(input: OpenIncidentInput): Promise<Incident>;
  listIncidents(filter?: ListIncidentsFilter): Promise<Incident[]>;
  /** Throws `NotFoundError` (`Incident not found: <id>`). */
  getIncident(id: string): Promise<IncidentWithTimeline>;
  /**
   * open -> acknowledged. Anything else is a `ConflictError` (acknowledging
   * twice, or after resolution): two operators racing learn that they did.
   */
  acknowledge(input: IncidentTransitionInput): Promise<Incident>;
  /**
   * open or acknowledged -> resolved; `notes` required. Resolving twice is a
   * `ConflictError`. It does not deactivate the switch: an operator decides that.
   */
  resolve(input: IncidentTransitionInput & { notes: string }): Promise<Incident>;
  /** Appends a `note` event, whatever the status. */
  addNote(input: IncidentTransitionInput & { notes: string }): Promise<IncidentEvent>;
}

export interface IncidentServiceOptions {
  db: Database;
  /** Audit records are written in the same transaction as the incident change (`emit(event, { tx })`). */
  audit: AuditEmitter;
  /** @default the system clock */
  clock?: Clock;
  /** Every change settles within this many ms; one that did not reach COMMIT never commits later. @default 10000 */
  writeTimeoutMs?: number;
}

// Events written in one millisecond (a frozen test clock, a fast operator) still read in lifecycle order.
const eventOrder = sql`case ${incidentEvents.type} when 'opened' then 0 when 'acknowledged' then 1 when 'note' then 2 else 3 end`;

export function createIncidentService(options: IncidentServiceOptions): IncidentService {
  const { db, audit } = options;
  const clock = options.clock ?? systemClock;
  const runWrite = createWriteRunner(db);
  const writeTimeoutMs = options.writeTimeoutMs ?? 10_000;
  /** One incident change under the write deadline; `proof` tells a lost COMMIT from a rolled-back one. */
  const write = <T>(what: string, body: (tx: Transaction, attempt: WriteAttempt) => Promise<T>) =>
    runWrite(what, body, writeTimeoutMs);
  const eventProof = (event: IncidentEvent) => sql`EXISTS (SELECT 1 FROM incident_events WHERE id = ${event.id})`;

  return {
    async open(raw) {
      const input = parseOpenIncident(raw);
      const now = new Date(clock.now());
      return write('opening an incident', async (tx, attempt) => {
        const row = await insertIncident(tx, audit, input, now);
        attempt.proof = sql`EXISTS (SELECT 1 FROM incidents WHERE id = ${row.id})`;
        return row;
      });
    },

    async listIncidents(raw = {}) {
      const filter = parseIncidentFilter(raw);
      const conditions = [];
      if (filter.status !== undefined) {
        const statuses = Array.isArray(filter.status) ? filter.status : [filter.status];
        conditions.push(inArray(incidents.status, statuses));
      }
      if (filter.clientId !== undefined) conditions.push(eq(incidents.clientId, filter.clientId));
      if (filter.killSwitchId !== undefined) conditions.push(eq(incidents.killSwitchId, filter.killSwitchId));
      return db
        .select()
        .from(incidents)
        .where(conditions.length > 0 ? and(...conditions) : undefined)
        .orderBy(desc(incidents.startedAt), desc(incidents.id))
        .limit(filter.limit ?? 50);
    },

    async getIncident(rawId) {
      const incidentId = parseIncidentId(rawId);
      const [row] = await db.select().from(incidents).where(eq(incidents.id, incidentId));
      if (!row) throw notFound(incidentId);
      const timeline = await db
        .select()
        .from(incidentEvents)
        .where(eq(incidentEvents.incidentId, incidentId))
        .orderBy(asc(incidentEvents.occurredAt), eventOrder);
      return { ...row, timeline };
    },

    async acknowledge(raw) {
      const input = parseIncidentTransition(raw);
      const now = new Date(clock.now());
      return write('acknowledging an incident', async (tx, attempt) => {
        // Conditional on the state, so of two racing operators exactly one changes the row.
        const [row] = await tx
          .update(incidents)
          .set({ status: 'acknowledged', acknowledgedAt: now, acknowledgedBy: input.actor })
          .where(and(eq(incidents.id, input.id), eq(incidents.status, 'open')))
          .returning();
        if (!row) throw await refusal(tx, input.id, 'acknowledge');
        const event = await recordEvent(tx, audit, row, {
          type: 'acknowledged',
          actor: input.actor,
          at: now,
          notes: input.notes,
          auditMetadata: { killSwitchId: row.killSwitchId, notes: input.notes ?? null },
        });
        attempt.proof = eventProof(event);
        return row;
      });
    },

    async resolve(raw) {
      const input = parseIncidentNote(raw);
      const now = new Date(clock.now());
      return write('resolving an incident', async (tx, attempt) => {
        const [row] = await tx
          .update(incidents)
          .set({ status: 'resolved', resolvedAt: now, resolvedBy: input.actor, resolutionNotes: input.notes })
          .where(and(eq(incidents.id, input.id), inArray(incidents.status, ['open', 'acknowledged'])))
          .returning();
        if (!row) throw await refusal(tx, input.id, 'resolve');
        const event = await recordEvent(tx, audit, row, {
          type: 'resolved',
          actor: input.actor,
          at: now,
          notes: input.notes,
          auditMetadata: {
            killSwitchId: row.killSwitchId,
            notes: input.notes,
            durationMs: now.getTime() - row.startedAt.getTime(),
          },
        });
        attempt.proof = eventProof(event);
        return row;
      });
    },

    async addNote(raw) {
      const input = parseIncidentNote(raw);
      const now = new Date(clock.now());
      return write('adding an incident note', async (tx, attempt) => {
        const [row] = await tx.select().from(incidents).where(eq(incidents.id, input.id)).for('share');
        if (!row) throw notFound(input.id);
        const event = await recordEvent(tx, audit, row, {
          type: 'note',
          actor: input.actor,
          at: now,
          notes: input.notes,
          auditMetadata: { notes: input.notes },
        });
        attempt.proof = eventProof(event);
        return event;
      });
    },
  };
}
