/**
 * Whether a window's figures trip its threshold, and the words and numbers a trip carries into the
 * switch's reason, its metadata and the incident. Deciding allocates nothing: it runs on every record.
 */
import type { AutoTripThreshold } from './config';
import type { WindowSums } from './rolling-counter';

export const NO_TRIP = 0;
export const TRIP_ERROR_RATE = 1;
export const TRIP_LATENCY = 2;
export const TRIP_COST = 3;
export type TripKind = typeof NO_TRIP | typeof TRIP_ERROR_RATE | typeof TRIP_LATENCY | typeof TRIP_COST;

/** The error rate is checked first: it is the specification's trigger and the most telling. */
export function decide(threshold: AutoTripThreshold | undefined, sums: WindowSums): TripKind {
  if (threshold === undefined) return NO_TRIP;
  // Inclusive at the threshold, as the specification's sketch compares.
  // Divided rather than multiplied out: 3/10 >= 0.3 holds, 3 >= 0.3 * 10 does not in floating point.
  if (sums.total >= threshold.minSamples && sums.errors / sums.total >= threshold.errorRate) return TRIP_ERROR_RATE;
  const spikeMin = threshold.spikeMinSamples ?? threshold.minSamples;
  if (
    threshold.latencyMultiplier !== undefined &&
    spikes(
      sums.lastLatencySum,
      sums.lastLatencyCount,
      sums.latencySum,
      sums.latencyCount,
      spikeMin,
      threshold.latencyMultiplier,
    )
  ) {
    return TRIP_LATENCY;
  }
  if (
    threshold.costMultiplier !== undefined &&
    spikes(sums.lastCostSum, sums.lastCostCount, sums.costSum, sums.costCount, spikeMin, threshold.costMultiplier)
  ) {
    return TRIP_COST;
  }
  return NO_TRIP;
}

/** The latest bucket's mean against the mean of the rest of the window (its baseline). */
function spikes(lastSum: number, lastCount: number, sum: number, count: number, min: number, multiplier: number) {
  const restCount = count - lastCount;
  if (lastCount < min || restCount < min) return false;
  const baseline = (sum - lastSum) / restCount;
  return lastSum / lastCount > multiplier * baseline;
}

/** The figures of one trip, built only once a trip is decided. */
export interface TripDetails {
  kind: 'error_rate' | 'latency' | 'cost';
  target: string;
  /** null for a trip of the aggregate (all clients) threshold. */
  clientId: string | null;
  windowMs: number;
  errorRate: number;
  /** The configured threshold crossed: a rate, or for spikes the multiplier. */
  threshold: number;
  samples: number;
  errors: number;
  /** The observed value: the error rate, or the latest bucket's mean latency or cost. */
  observed: number;
  /** For spikes, the rest of the window's mean. */
  baseline?: number;
  /** Calls the incident counts as affected: failures, or the latest bucket's calls for a spike. */
  callsAffected: number;
}

const percent = (rate: number) => `${(Math.round(rate * 1000) / 10).toString()}%`;
const round = (value: number) => Math.round(value * 100) / 100;

export function tripDetails(
  kind: TripKind,
  sums: WindowSums,
  threshold: { errorRate: number; latencyMultiplier?: number; costMultiplier?: number },
  target: string,
  clientId: string | null,
  windowMs: number,
): TripDetails {
  const errorRate = sums.total > 0 ? sums.errors / sums.total : 0;
  const base = { target, clientId, windowMs, errorRate, samples: sums.total, errors: sums.errors };
  if (kind === TRIP_LATENCY || kind === TRIP_COST) {
    const latency = kind === TRIP_LATENCY;
    const lastSum = latency ? sums.lastLatencySum : sums.lastCostSum;
    const lastCount = latency ? sums.lastLatencyCount : sums.lastCostCount;
    const sum = latency ? sums.latencySum : sums.costSum;
    const count = latency ? sums.latencyCount : sums.costCount;
    return {
      ...base,
      kind: latency ? 'latency' : 'cost',
      threshold: (latency ? threshold.latencyMultiplier : threshold.costMultiplier) ?? 0,
      observed: lastSum / lastCount,
      baseline: (sum - lastSum) / (count - lastCount),
      callsAffected: sums.lastTotal,
    };
  }
  return {
    ...base,
    kind: 'error_rate',
    threshold: threshold.errorRate,
    observed: errorRate,
    callsAffected: sums.errors,
  };
}

/** The switch's reason: what an operator reading the audit later needs (always over 10 characters). */
export function tripReason(d: TripDetails): string {
  const who = d.clientId === null ? 'all clients' : `client ${d.clientId}`;
  const window = `${round(d.windowMs / 1000)}s window`;
  if (d.kind === 'error_rate') {
    return `Auto-tripped: ${d.target} error rate ${percent(d.errorRate)} (${d.errors}/${d.samples} calls) >= threshold ${percent(d.threshold)} over the last ${window}, ${who}`;
  }
  const what = d.kind === 'latency' ? 'mean latency' : 'mean cost per call';
  const unit = d.kind === 'latency' ? 'ms' : ' cents';
  return `Auto-tripped: ${d.target} ${what} ${round(d.observed)}${unit} in the latest bucket > ${d.threshold}x the baseline ${round(d.baseline ?? 0)}${unit} of the ${window} (${d.samples} calls), ${who}`;
}

/** The activation's metadata (the specification's fields, plus what a spike adds). */
export function tripMetadata(d: TripDetails): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    trigger: d.kind,
    errorRate: d.errorRate,
    threshold: d.threshold,
    samples: d.samples,
    errors: d.errors,
    clientId: d.clientId,
    windowMs: d.windowMs,
    target: d.target,
  };
  if (d.kind !== 'error_rate') {
    metadata.observed = d.observed;
    metadata.baseline = d.baseline;
  }
  return metadata;
}
