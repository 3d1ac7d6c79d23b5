/**
 * Sizes of a run: the full run (manual, minutes) and the smoke (seconds, in
 * CI, so the harness cannot rot). Nothing else differs between them.
 */
import { FULL_SHAPE, SMOKE_SHAPE, type SnapshotShape } from './scenarios/realistic-snapshot';

export interface BenchSettings {
  smoke: boolean;
  /** Interleaved rounds of the steady-state series; medians are reported. */
  rounds: number;
  /** Length of one throughput measurement. */
  runMs: number;
  /** Per-call latency samples per round for the in-process subjects. */
  latencySamples: number;
  /** Time cap of one latency series (slow subjects stop early; the sample count is reported). */
  latencyMaxMs: number;
  /** The same for the baseline (a few ms per call), capped by `baselineLatencyMs`. */
  baselineLatencySamples: number;
  baselineLatencyMs: number;
  /** Concurrent callers of the extra baseline row. */
  baselineConcurrency: number;
  /** create, activate and deactivate, each. */
  writeOps: number;
  coldRepetitions: number;
  /** Propagation trials per mode (pub/sub, poll only). */
  propagationTrials: number;
  /** Flips before those, after the processes start, reported apart (cold code paths, the first GCs). */
  propagationWarmupTrials: number;
  /** Reader processes of the propagation test (plus one activator); judged on the last of them per flip. */
  propagationReaders: number;
  /** Poll interval of the children (the poll-only bound is this plus 100 ms). */
  propagationPollMs: number;
  /** Tracked clients for the memory figure (extrapolated to a million). */
  memoryClients: number;
  /** The judged check scenario's size (realistic-snapshot.ts). */
  snapshot: SnapshotShape;
  /** Length of one concurrent-write series (ours, then the floor, per round). */
  writeRunMs: number;
  /** Switches activated at once in the storm. */
  stormSwitches: number;
  /** Fleet auto-trip: worker processes, (target, client) keys, and length of the run. */
  fleetWorkers: number;
  fleetKeys: number;
  fleetRunMs: number;
}

export function benchSettings(smoke: boolean): BenchSettings {
  return smoke
    ? {
        smoke,
        rounds: 1,
        runMs: 40,
        latencySamples: 2_000,
        latencyMaxMs: 200,
        baselineLatencySamples: 30,
        baselineLatencyMs: 300,
        baselineConcurrency: 4,
        writeOps: 5,
        coldRepetitions: 2,
        propagationTrials: 3,
        propagationWarmupTrials: 1,
        propagationReaders: 2,
        propagationPollMs: 200,
        memoryClients: 10_000,
        snapshot: SMOKE_SHAPE,
        writeRunMs: 200,
        stormSwitches: 20,
        fleetWorkers: 2,
        fleetKeys: 200,
        fleetRunMs: 300,
      }
    : {
        smoke,
        rounds: 5,
        runMs: 1_000,
        latencySamples: 100_000,
        latencyMaxMs: 2_000,
        baselineLatencySamples: 1_000,
        baselineLatencyMs: 3_000,
        baselineConcurrency: 16,
        writeOps: 200,
        coldRepetitions: 7,
        propagationTrials: 100,
        propagationWarmupTrials: 10,
        propagationReaders: 8,
        propagationPollMs: 1_000,
        memoryClients: 1_000_000,
        snapshot: FULL_SHAPE,
        writeRunMs: 3_000,
        stormSwitches: 1_000,
        fleetWorkers: 4,
        fleetKeys: 2_000,
        fleetRunMs: 5_000,
      };
}
