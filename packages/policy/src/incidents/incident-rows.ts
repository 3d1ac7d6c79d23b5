/**
 * The rows of an incident change, written in the caller's transaction: the
 * incident, its timeline event and the audit record commit together.
 */
import type { AuditEmitter } from '@rtv/audit';
import {
  type Incident,
  type IncidentEvent,
  type IncidentEventType,
  type Transaction,
  incidentEvents,
  incidents,
} from '@rtv/db';
import { eq } from 'drizzle-orm';
import { nanoid } from 'nanoid';
import { ConflictError, NotFoundError } from '../errors';
import type { parseOpenIncident } from './incident-input';

/** Audit event types of the incident lifecycle. */
export const INCIDENT_AUDIT_TYPES = {
  opened: 'INCIDENT_OPENED',
  acknowledged: 'INCIDENT_ACKNOWLEDGED',
  resolved: 'INCIDENT_RESOLVED',
  note: 'INCIDENT_NOTE_ADDED',
} as const;

export const newIncidentId = (): string => `inc_${nanoid()}`;
const newEventId = (): string => `ine_${nanoid()}`;

export const notFound = (incidentId: string) => new NotFoundError(`Incident not found: ${incidentId}`, incidentId);

/**
 * A timeline event and its audit record, in the caller's transaction, so
 * they commit with the incident change or not at all.
 */
export async function recordEvent(
  tx: Transaction,
  audit: AuditEmitter,
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
export async function refusal(tx: Transaction, incidentId: string, wanted: string): Promise<Error> {
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

export async function insertIncident(
  tx: Transaction,
  audit: AuditEmitter,
  input: ReturnType<typeof parseOpenIncident>,
  now: Date,
): Promise<Incident> {
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
  await recordEvent(tx, audit, row, {
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
}
