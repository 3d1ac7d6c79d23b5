/**
 * The incident an auto-trip opens when its activation changed the switch:
 * titled and graded from the trip's figures, opened as system:auto_trip.
 */
import { AUTO_TRIP_ACTOR } from '../authorize';
import type { IncidentService } from '../incidents/incident-service';
import { type TripDetails, tripMetadata, tripReason } from './trip-decision';

function incidentTitle(d: TripDetails): string {
  const who = d.clientId === null ? 'all clients' : d.clientId;
  const what =
    d.kind === 'error_rate'
      ? `error rate ${Math.round(d.errorRate * 1000) / 10}%`
      : d.kind === 'latency'
        ? 'latency spike'
        : 'cost spike';
  return `Auto-trip: ${d.target} ${what} for ${who}`;
}

/** Opens the incident; returns its id. */
export async function openTripIncident(
  incidents: Pick<IncidentService, 'open'>,
  switchId: string,
  details: TripDetails,
  decidedAt: number,
): Promise<string> {
  const { clientId } = details;
  const incident = await incidents.open({
    killSwitchId: switchId,
    clientId,
    title: incidentTitle(details),
    severity: clientId === null ? 'critical' : details.kind === 'error_rate' ? 'high' : 'medium',
    triggerType: details.kind,
    triggerValue: details.observed,
    threshold: details.threshold,
    errorRate: details.errorRate,
    callsAffected: details.callsAffected,
    startedAt: new Date(decidedAt),
    actor: AUTO_TRIP_ACTOR,
    notes: tripReason(details),
    metadata: tripMetadata(details),
  });
  return incident.id;
}
