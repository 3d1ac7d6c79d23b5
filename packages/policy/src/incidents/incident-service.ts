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
  incidentSeverities,
  incidentStatuses,
  incidentTriggerTypes,
  incidents,
} from '@rtv/db';
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { nanoid } from 'nanoid';
import { z } from 'zod';
import { ConflictError, type FieldIssue, NotFoundError, ValidationError } from '../errors';
import { type Clock, systemClock } from '../ports';

export type { Incident, IncidentEvent, IncidentEventType, IncidentSeverity, IncidentStatus, IncidentTriggerType };

/** Audit event types of the incident lifecycle. */
export const INCIDENT_AUDIT_TYPES = {
  opened: 'INCIDENT_OPENED',
  acknowledged: 'INCIDENT_ACKNOWLEDGED',
  resolved: 'INCIDENT_RESOLVED',
  note: 'INCIDENT_NOTE_ADDED',
} as const;

export const newIncidentId = (): string => `inc_${nanoid()}`;
const newEventId = (): string => `ine_${nanoid()}`;

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
}

const NO_CONTROL = /^[^\p{Cc}]*$/u;
const id = z
  .string({ required_error: 'id is required', invalid_type_error: 'id must be a string' })
  .min(1, 'id must not be empty')
  .max(36, 'id must be at most 36 characters');
const actor = z
  .string({ required_error: 'actor is required', invalid_type_error: 'actor must be a string' })
  .trim()
  .min(1, 'actor must not be empty')
  .max(100, 'actor must be at most 100 characters')
  .regex(NO_CONTROL, 'actor must not contain control characters');
const notes = z
  .string({ invalid_type_error: 'notes must be a string' })
  .trim()
  .min(1, 'notes must not be empty')
  .max(4000, 'notes must be at most 4000 characters');
const finite = (field: string) =>
  z
    .number({ invalid_type_error: `${field} must be a number` })
    .finite(`${field} must be finite`)
    .nullish();

const openSchema = z
  .object({
    id: id.optional(),
    killSwitchId: id.nullish(),
    clientId: z
      .string()
      .min(1, 'clientId must not be empty')
      .max(100, 'clientId must be at most 100 characters')
      .nullish(),
    title: z
      .string({ required_error: 'title is required', invalid_type_error: 'title must be a string' })
      .trim()
      .min(1, 'title must not be empty')
      .max(500, 'title must be at most 500 characters'),
    severity: z.enum(incidentSeverities, {
      errorMap: () => ({ message: `severity must be one of ${incidentSeverities.join(', ')}` }),
    }),
    triggerType: z.enum(incidentTriggerTypes, {
      errorMap: () => ({ message: `triggerType must be one of ${incidentTriggerTypes.join(', ')}` }),
    }),
    triggerValue: finite('triggerValue'),
    threshold: finite('threshold'),
    errorRate: finite('errorRate'),
    callsAffected: z.number().int('callsAffected must be a whole number').nonnegative().optional(),
    startedAt: z.date({ invalid_type_error: 'startedAt must be a Date' }).optional(),
    actor,
    notes: notes.optional(),
    metadata: z.record(z.unknown(), { invalid_type_error: 'metadata must be an object' }).optional(),
  })
  .strict();

const transitionSchema = z.object({ id, actor, notes: notes.optional() }).strict();
const withNotesSchema = z.object({ id, actor, notes }).strict();
const listSchema = z
  .object({
    status: z.union([z.enum(incidentStatuses), z.array(z.enum(incidentStatuses))]).optional(),
    clientId: z.string().min(1).max(100).optional(),
    killSwitchId: id.optional(),
    limit: z.number().int('limit must be a whole number').min(1, 'limit must be at least 1').max(1000).optional(),
  })
  .strict();

function parse<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues: FieldIssue[] = result.error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.join('.') : 'input',
    message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
  throw new ValidationError(issues.map((i) => `${i.field}: ${i.message}`).join('; '), issues);
}

// Events written in one millisecond (a frozen test clock, a fast operator) still read in lifecycle order.
const eventOrder = sql`case ${incidentEvents.type} when 'opened' then 0 when 'acknowledged' then 1 when 'note' then 2 else 3 end`;

export function createIncidentService(options: IncidentServiceOptions): IncidentService {
  const { db, audit } = options;
  const clock = options.clock ?? systemClock;

  const notFound = (incidentId: string) => new NotFoundError(`Incident not found: ${incidentId}`, incidentId);

  /**
   * A timeline event and its audit record, in the caller's transaction, so
   * they commit with the incident change or not at all.
   */
  async function recordEvent(
    tx: Transaction,
    incident: Incident,
    e: {
      type: IncidentEventType;
      actor: string;
      at: Date;
      notes: string | undefined;
      /** Kept on the timeline row. */
      eventMetadata?: Record<string, unknown>;
      /** The audit record's metadata. */
      auditMetadata: Record<string, unknown>;
    },
  ): Promise<IncidentEvent> {
    const [event] = await tx
      .insert(incidentEvents)
      .values({
        id: newEventId(),
        incidentId: incident.id,
        type: e.type,
        actor: e.actor,
        notes: e.notes ?? null,
        occurredAt: e.at,
        metadata: e.eventMetadata ?? null,
      })
      .returning();
    if (!event) throw new Error('insert into incident_events returned no row');
    await audit.emit(
      {
        type: INCIDENT_AUDIT_TYPES[e.type],
        actor: e.actor,
        target: incident.id,
        clientId: incident.clientId,
        occurredAt: e.at,
        metadata: e.auditMetadata,
      },
      { tx },
    );
    return event;
  }

  /** Why a transition found no row to change: it does not exist, or it is in the wrong state. */
  async function refusal(tx: Transaction, incidentId: string, wanted: string): Promise<Error> {
    const [row] = await tx.select().from(incidents).where(eq(incidents.id, incidentId));
    if (!row) return notFound(incidentId);
    const by =
      row.status === 'resolved'
        ? ` by ${row.resolvedBy} at ${row.resolvedAt?.toISOString()}`
        : row.status === 'acknowledged'
          ? ` by ${row.acknowledgedBy} at ${row.acknowledgedAt?.toISOString()}`
          : '';
    return new ConflictError(`Incident ${incidentId} is already ${row.status}${by}; cannot ${wanted} it`);
  }

  return {
    async open(raw) {
      const input = parse(openSchema, raw);
      const now = new Date(clock.now());
      return db.transaction(async (tx) => {
        const [row] = await tx
          .insert(incidents)
          .values({
            id: input.id ?? newIncidentId(),
            killSwitchId: input.killSwitchId ?? null,
            clientId: input.clientId ?? null,
            title: input.title,
            severity: input.severity,
            status: 'open',
            triggerType: input.triggerType,
            triggerValue: input.triggerValue ?? null,
            threshold: input.threshold ?? null,
            errorRate: input.errorRate ?? null,
            callsAffected: input.callsAffected ?? 0,
            startedAt: input.startedAt ?? now,
            metadata: input.metadata ?? null,
          })
          .returning();
        if (!row) throw new Error('insert into incidents returned no row');
        await recordEvent(tx, row, {
          type: 'opened',
          actor: input.actor,
          at: now,
          notes: input.notes,
          eventMetadata: { severity: row.severity, triggerType: row.triggerType },
          auditMetadata: {
            killSwitchId: row.killSwitchId,
            title: row.title,
            severity: row.severity,
            triggerType: row.triggerType,
            triggerValue: row.triggerValue,
            threshold: row.threshold,
            errorRate: row.errorRate,
            callsAffected: row.callsAffected,
          },
        });
        return row;
      });
    },

    async listIncidents(raw = {}) {
      const filter = parse(listSchema, raw);
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
      const incidentId = parse(id, rawId);
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
      const input = parse(transitionSchema, raw);
      const now = new Date(clock.now());
      return db.transaction(async (tx) => {
        // Conditional on the state, so of two racing operators exactly one changes the row.
        const [row] = await tx
          .update(incidents)
          .set({ status: 'acknowledged', acknowledgedAt: now, acknowledgedBy: input.actor })
          .where(and(eq(incidents.id, input.id), eq(incidents.status, 'open')))
          .returning();
        if (!row) throw await refusal(tx, input.id, 'acknowledge');
        await recordEvent(tx, row, {
          type: 'acknowledged',
          actor: input.actor,
          at: now,
          notes: input.notes,
          auditMetadata: { killSwitchId: row.killSwitchId, notes: input.notes ?? null },
        });
        return row;
      });
    },

    async resolve(raw) {
      const input = parse(withNotesSchema, raw);
      const now = new Date(clock.now());
      return db.transaction(async (tx) => {
        const [row] = await tx
          .update(incidents)
          .set({ status: 'resolved', resolvedAt: now, resolvedBy: input.actor, resolutionNotes: input.notes })
          .where(and(eq(incidents.id, input.id), inArray(incidents.status, ['open', 'acknowledged'])))
          .returning();
        if (!row) throw await refusal(tx, input.id, 'resolve');
        await recordEvent(tx, row, {
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
        return row;
      });
    },

    async addNote(raw) {
      const input = parse(withNotesSchema, raw);
      const now = new Date(clock.now());
      return db.transaction(async (tx) => {
        const [row] = await tx.select().from(incidents).where(eq(incidents.id, input.id)).for('share');
        if (!row) throw notFound(input.id);
        const event = await recordEvent(tx, row, {
          type: 'note',
          actor: input.actor,
          at: now,
          notes: input.notes,
          auditMetadata: { notes: input.notes },
        });
        return event;
      });
    },
  };
}
