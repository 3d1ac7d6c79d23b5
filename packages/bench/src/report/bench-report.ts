/** The shape of bench/results/latest.json: one run, every round of every series, every figure the markdown shows. */
import type { MachineDescription } from '../environment';
import type { AutoTripResult } from '../scenarios/auto-trip';
import type { CheckPathResult } from '../scenarios/check-path';
import type { FleetAutoTripResult } from '../scenarios/fleet-auto-trip';
import type { PropagationResult } from '../scenarios/propagation';
import type { PubSubFloorResult } from '../scenarios/pubsub-floor';
import type { SteadyStateResult } from '../scenarios/steady-state';
import type { TimeToHaltResult } from '../scenarios/time-to-halt';
import type { WritePathResult } from '../scenarios/write-path';
import type { WriteThroughputResult } from '../scenarios/write-throughput';
import type { BenchSettings } from '../settings';
import type { TargetVerdict } from './targets';

export interface BenchReport {
  generatedAt: string;
  durationS: number;
  machine: MachineDescription;
  commands: string[];
  settings: BenchSettings;
  snapshotSeedMs: number;
  checkPath: CheckPathResult;
  /** The earlier 51-switch, 2-context scenario, kept as a labelled extra. */
  steadyState: SteadyStateResult;
  cold: WritePathResult['coldFirstCheckMs'];
  writes: Omit<WritePathResult, 'coldFirstCheckMs'>;
  writeThroughput: WriteThroughputResult;
  autoTrip: AutoTripResult;
  fleetAutoTrip: FleetAutoTripResult;
  /** Idle subscribers, then subscribers awake every millisecond as the readers are. */
  pubSubFloor: PubSubFloorResult[];
  propagation: PropagationResult[];
  /** Time-to-halt by receipts; absent from reports written before it existed. */
  timeToHalt?: TimeToHaltResult;
  targets: TargetVerdict[];
}
