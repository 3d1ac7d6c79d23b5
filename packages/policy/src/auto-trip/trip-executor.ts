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
import type { CreateSwitchInput, KillSwitchService, TransitionResult } from '../types';
import type { AutoTripAggregateThreshold, AutoTripThreshold, ResolvedAutoTripConfig } from './config';
import type { TargetState, TripSlot } from './key-registry';
import type { WindowSums } from './rolling-counter';
import { type TripDetails, type TripKind, tripDetails, tripMetadata, tripReason } from './trip-decision';
import { openTripIncident } from './trip-incident';

/** What a trip did, for `onTrip` listeners (logs, notifications). */
export interface AutoTripEvent extends TripDetails {
  switchId: string;
  /** False when the switch was already active (another worker, an operator): no incident then. */
  changed: boolean;
  incidentId: string | null;
}

export interface TripExecutorOptions {
  /** `activateMany`, when the service has it, trips a storm's switches in one transaction. */
  service: Pick<KillSwitchService, 'ensure' | 'activate'> & Partial<Pick<KillSwitchService, 'activateMany'>>;
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

/** The switch a trip activates: found, or created at the trip's scope. */
function ensureSwitch(service: Pick<KillSwitchService, 'ensure'>, owner: TargetState, details: TripDetails) {
  const { targetType, targetValue } = owner.parsed;
  const clientId = details.clientId;
  const input: CreateSwitchInput =
    clientId === null
      ? { scope: targetType, targetType, targetValue, createdBy: AUTO_TRIP_ACTOR }
      : { scope: 'client', targetType, targetValue, clientId, createdBy: AUTO_TRIP_ACTOR };
  return service.ensure(input);
}

const activation = (id: string, details: TripDetails) => ({
  id,
  reason: tripReason(details),
  activatedBy: AUTO_TRIP_ACTOR,
  metadata: tripMetadata(details),
});

/** A trip decided and waiting for its batch. */
interface PendingTrip {
  slot: TripSlot;
  owner: TargetState;
  details: TripDetails;
  decidedAt: number;
  done: () => void;
}

const labelsOf = (t: Pick<PendingTrip, 'owner' | 'details'>) => ({
  target: t.owner.parsed.target,
  trigger: t.details.kind,
  scope: t.details.clientId === null ? 'global' : 'client',
});

export function createTripExecutor(options: TripExecutorOptions): TripExecutor {
  const { service, incidents, metrics, logger, clock, config, counters } = options;
  const pending = new Set<Promise<void>>();

  /**
   * Trips decided together (one evaluation pass, one fleet flush) activate
   * together: one transaction for a storm, when the service has activateMany.
   */
  async function activateBatch(trips: PendingTrip[]): Promise<void> {
    const ensured = await Promise.all(
      trips.map((t) =>
        ensureSwitch(service, t.owner, t.details).then(
          (row) => row.id,
          (error: unknown) => fail(t, error),
        ),
      ),
    );
    const ready = trips.flatMap((t, i) =>
      typeof ensured[i] === 'string' ? [{ trip: t, id: ensured[i] as string }] : [],
    );
    if (ready.length === 0) return;
    // One activation per switch, even if two slots ever named the same one.
    const unique = [...new Map(ready.map((r) => [r.id, r])).values()];
    let results: TransitionResult[];
    try {
      results =
        unique.length > 1 && service.activateMany
          ? await service.activateMany(unique.map((r) => activation(r.id, r.trip.details)))
          : await Promise.all(unique.map((r) => service.activate(activation(r.id, r.trip.details))));
    } catch (error) {
      for (const r of ready) fail(r.trip, error);
      return;
    }
    const byId = new Map(unique.map((r, i) => [r.id, results[i] as TransitionResult]));
    await Promise.all(ready.map((r) => afterActivation(r.trip, byId.get(r.id) as TransitionResult)));
  }

  /** Try again soon rather than after a whole cooldown: a failed trip leaves the client unprotected. */
  function fail(t: PendingTrip, error: unknown): undefined {
    const { target } = t.owner.parsed;
    const clientId = t.details.clientId;
    t.slot.cooldownUntil = Math.min(t.slot.cooldownUntil, clock.now() + config.retryAfterMs);
    counters.tripFailures++;
    metrics.increment('auto_trip_failed_total', labelsOf(t));
    logger.error({ ...errorFields(error), operation: 'activate', target, clientId }, 'auto-trip: activation failed');
    return undefined;
  }

  async function afterActivation(t: PendingTrip, result: TransitionResult): Promise<void> {
    const { details } = t;
    const labels = labelsOf(t);
    counters.trips++;
    metrics.increment('auto_trip_triggered_total', { ...labels, changed: String(result.changed) });
    let incidentId: string | null = null;
    // Only the trip that changed the switch opens an incident: a fleet tripping together opens one.
    if (result.changed) {
      try {
        incidentId = incidents ? await openTripIncident(incidents, result.switch.id, details, t.decidedAt) : null;
      } catch (error) {
        metrics.increment('auto_trip_incident_failed_total', labels);
        const fields = { ...errorFields(error), operation: 'open-incident', target: t.owner.parsed.target };
        logger.error({ ...fields, clientId: details.clientId }, 'auto-trip: the incident could not be opened');
      }
    }
    options.onTrip?.({ ...details, switchId: result.switch.id, changed: result.changed, incidentId });
  }

  let batch: PendingTrip[] = [];
  /** Queues a trip for the batch of this turn of the event loop; resolves when that batch is done. */
  function enqueue(trip: Omit<PendingTrip, 'done'>): Promise<void> {
    return new Promise<void>((done) => {
      batch.push({ ...trip, done });
      if (batch.length > 1) return;
      setImmediate(() => {
        const trips = batch;
        batch = [];
        void activateBatch(trips)
          .catch((error: unknown) => {
            for (const t of trips) fail(t, error);
          })
          .finally(() => {
            for (const t of trips) t.done();
          });
      });
    });
  }

  return {
    begin(slot, owner, kind, sums, threshold, clientId, now) {
      slot.cooldownUntil = now + config.cooldownMs;
      const details = tripDetails(kind, sums, threshold, owner.parsed.target, clientId, config.windowMs);
      const previous = slot.chain ?? Promise.resolve();
      // A throwing onTrip listener or logger must not become an unhandled rejection.
      const task: Promise<void> = previous
        .then(() => enqueue({ slot, owner, details, decidedAt: now }))
        .catch(() => {});
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
