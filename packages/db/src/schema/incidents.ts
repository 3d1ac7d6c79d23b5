/**
 * Incidents opened by auto-trips (and by operators), with an append-only
 * timeline. The incident row carries its current status; the timeline is
 * the record of how it got there.
 */
import { sql } from 'drizzle-orm';
import { check, doublePrecision, index, integer, jsonb, pgTable, text, timestamp, varchar } from 'drizzle-orm/pg-core';
import { killSwitches } from './kill-switches';

export const incidentSeverities = ['low', 'medium', 'high', 'critical'] as const;
export type IncidentSeverity = (typeof incidentSeverities)[number];

export const incidentStatuses = ['open', 'acknowledged', 'resolved'] as const;
export type IncidentStatus = (typeof incidentStatuses)[number];

export const incidentTriggerTypes = ['error_rate', 'latency', 'cost', 'manual'] as const;
export type IncidentTriggerType = (typeof incidentTriggerTypes)[number];

export const incidentEventTypes = ['opened', 'acknowledged', 'resolved', 'note'] as const;
export type IncidentEventType = (typeof incidentEventTypes)[number];

export const incidents = pgTable(
  'incidents',
  {
    id: varchar('id', { length: 36 }).primaryKey(),
    killSwitchId: varchar('kill_switch_id', { length: 36 }).references(() => killSwitches.id),
    clientId: varchar('client_id', { length: 100 }),
    title: text('title').notNull(),
    severity: varchar('severity', { length: 20 }).notNull().$type<IncidentSeverity>(),
    status: varchar('status', { length: 20 }).notNull().default('open').$type<IncidentStatus>(),
    triggerType: varchar('trigger_type', { length: 20 }).notNull().$type<IncidentTriggerType>(),
    triggerValue: doublePrecision('trigger_value'),
    threshold: doublePrecision('threshold'),
    errorRate: doublePrecision('error_rate'),
    callsAffected: integer('calls_affected').notNull().default(0),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
    acknowledgedBy: varchar('acknowledged_by', { length: 100 }),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    resolvedBy: varchar('resolved_by', { length: 100 }),
    resolutionNotes: text('resolution_notes'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>(),
  },
  (t) => [
    index('incidents_status_idx').on(t.status, t.startedAt),
    index('incidents_switch_idx').on(t.killSwitchId),
    check('incidents_severity_valid', sql`${t.severity} IN ('low', 'medium', 'high', 'critical')`),
    check('incidents_status_valid', sql`${t.status} IN ('open', 'acknowledged', 'resolved')`),
    check('incidents_trigger_type_valid', sql`${t.triggerType} IN ('error_rate', 'latency', 'cost', 'manual')`),
  ],
);

export const incidentEvents = pgTable(
  'incident_events',
  {
    id: varchar('id', { length: 36 }).primaryKey(),
    incidentId: varchar('incident_id', { length: 36 })
      .notNull()
      .references(() => incidents.id),
    type: varchar('type', { length: 20 }).notNull().$type<IncidentEventType>(),
    actor: varchar('actor', { length: 100 }).notNull(),
    notes: text('notes'),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
    metadata: jsonb('metadata').$type<Record<string, unknown>>(),
  },
  (t) => [
    index('incident_events_incident_idx').on(t.incidentId, t.occurredAt),
    check('incident_events_type_valid', sql`${t.type} IN ('opened', 'acknowledged', 'resolved', 'note')`),
  ],
);

export type Incident = typeof incidents.$inferSelect;
export type NewIncident = typeof incidents.$inferInsert;
export type IncidentEvent = typeof incidentEvents.$inferSelect;
export type NewIncidentEvent = typeof incidentEvents.$inferInsert;
