/**
 * Incidents opened by auto-trips and operators, with their audited, append-only timeline.
 * The public entry of this folder: the package index re-exports it.
 */
export {
  INCIDENT_AUDIT_TYPES,
  createIncidentService,
  newIncidentId,
  type Incident,
  type IncidentEvent,
  type IncidentEventType,
  type IncidentService,
  type IncidentServiceOptions,
  type IncidentSeverity,
  type IncidentStatus,
  type IncidentTransitionInput,
  type IncidentTriggerType,
  type IncidentWithTimeline,
  type ListIncidentsFilter,
  type OpenIncidentInput,
} from './incident-service';
