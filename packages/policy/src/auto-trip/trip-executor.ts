/**
 * Carries out a trip decided by the monitor: find or create the switch,
 * activate it as `system:auto_trip`, open an incident when the activation
 * changed the switch. Runs in the background, one trip at a time per slot,
 * and never throws: failures go to the logger and shorten the cooldown.
 */
import { type Logger, errorFields } from '@rtv/audit';
import { AUTO_TRIP_ACTOR } from '../authorize';
import type { IncidentService } from '../incidents/incident-service';
import type { Clock, Metrics } from '../ports';
import type { CreateSwitchInput, KillSwitchService } from '../types';
import type { AutoTripAggregateThreshold, AutoTripThreshold, ResolvedAutoTripConfig } from './config';
import type { TargetState, TripSlot } from './key-registry';
import type { WindowSums } from './rolling-counter';
import { type TripDetails, type TripKind, tripDetails, tripMetadata, tripReason } from './trip-decision';

/** What a trip did, for `onTrip` listeners (logs, notifications). */
export interface AutoTripEvent extends TripDetails {
  switchId: string;
  /** False when the switch was already active (another worker, an operator): no incident then. */
  changed: boolean;
  incidentId: string | null;
}

export interface TripExecutorOptions {
  service: Pick<KillSwitchService, 'ensure' | 'activate'>;
  incidents: Pick<IncidentService, 'open'> | undefined;
  metrics: Metrics;
  logger: Logger;
  clock: Clock;
  config: ResolvedAutoTripConfig;
  counters: { trips: number; tripFailures: number };
  onTrip: ((event: AutoTripEvent) => void) | undefined;
}

export interface TripExecutor {
  /** Starts the cooldown now and the trip in the background (chained per slot). */
  begin(
    slot: TripSlot,
    owner: TargetState,
    kind: TripKind,
    sums: WindowSums,
    threshold: AutoTripThreshold | AutoTripAggregateThreshold,
    clientId: string | null,
    now: number,
  ): void;
  /** Resolves once every trip started so far has finished. */
  idle(): Promise<void>;
}

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

export function createTripExecutor(options: TripExecutorOptions): TripExecutor {
  const { service, incidents, metrics, logger, clock, config, counters } = options;
  const pending = new Set<Promise<void>>();

  async function activate(owner: TargetState, details: TripDetails) {
    const { targetType, targetValue } = owner.parsed;
    const clientId = details.clientId;
    const input: CreateSwitchInput =
      clientId === null
        ? { scope: targetType, targetType, targetValue, createdBy: AUTO_TRIP_ACTOR }
        : { scope: 'client', targetType, targetValue, clientId, createdBy: AUTO_TRIP_ACTOR };
    const found = await service.ensure(input);
    return service.activate({
      id: found.id,
      reason: tripReason(details),
      activatedBy: AUTO_TRIP_ACTOR,
      metadata: tripMetadata(details),
    });
  }

  async function openIncident(switchId: string, details: TripDetails, decidedAt: number): Promise<string | null> {
    if (!incidents) return null;
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

  async function trip(slot: TripSlot, owner: TargetState, details: TripDetails, decidedAt: number): Promise<void> {
    const { target } = owner.parsed;
    const clientId = details.clientId;
    const labels = { target, trigger: details.kind, scope: clientId === null ? 'global' : 'client' };
    let result: Awaited<ReturnType<typeof activate>>;
    try {
      result = await activate(owner, details);
    } catch (error) {
      // Try again soon rather than after a whole cooldown: a failed trip leaves the client unprotected.
      slot.cooldownUntil = Math.min(slot.cooldownUntil, clock.now() + config.retryAfterMs);
      counters.tripFailures++;
      metrics.increment('auto_trip_failed_total', labels);
      logger.error({ ...errorFields(error), operation: 'activate', target, clientId }, 'auto-trip: activation failed');
      return;
    }
    counters.trips++;
    metrics.increment('auto_trip_triggered_total', { ...labels, changed: String(result.changed) });
    let incidentId: string | null = null;
    // Only the trip that changed the switch opens an incident: a fleet tripping together opens one.
    if (result.changed) {
      try {
        incidentId = await openIncident(result.switch.id, details, decidedAt);
      } catch (error) {
        metrics.increment('auto_trip_incident_failed_total', labels);
        const fields = { ...errorFields(error), operation: 'open-incident', target, clientId };
        logger.error(fields, 'auto-trip: the incident could not be opened');
      }
    }
    options.onTrip?.({ ...details, switchId: result.switch.id, changed: result.changed, incidentId });
  }

  return {
    begin(slot, owner, kind, sums, threshold, clientId, now) {
      slot.cooldownUntil = now + config.cooldownMs;
      const details = tripDetails(kind, sums, threshold, owner.parsed.target, clientId, config.windowMs);
      const previous = slot.chain ?? Promise.resolve();
      // A throwing onTrip listener or logger must not become an unhandled rejection.
      const task: Promise<void> = previous.then(() => trip(slot, owner, details, now)).catch(() => {});
      slot.chain = task;
      pending.add(task);
      void task.finally(() => {
        pending.delete(task);
        if (slot.chain === task) slot.chain = undefined;
      });
    },
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
