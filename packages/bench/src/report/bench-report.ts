/** The shape of bench/results/latest.json: one run, every figure the markdown shows. */
import type { MachineDescription } from '../environment';
import type { AutoTripResult } from '../scenarios/auto-trip';
import type { PropagationResult } from '../scenarios/propagation';
import type { SteadyStateResult } from '../scenarios/steady-state';
import type { WritePathResult } from '../scenarios/write-path';
import type { BenchSettings } from '../settings';
import type { TargetVerdict } from './targets';

export interface BenchReport {
  generatedAt: string;
  durationS: number;
  machine: MachineDescription;
  commands: string[];
  settings: BenchSettings;
  steadyState: SteadyStateResult;
  ratios: {
    oursOverBaselineMiss: number;
    oursOverBaselineHit: number;
    oursOverUnleashMiss: number;
    oursOverUnleashHit: number;
    oursOverOpenFeatureMiss: number;
    oursOverOpenFeatureHit: number;
    asyncFloorOverOursMiss: number;
  };
  cold: WritePathResult['coldFirstCheckMs'];
  writes: Omit<WritePathResult, 'coldFirstCheckMs'>;
  autoTrip: AutoTripResult;
  propagation: PropagationResult[];
  targets: TargetVerdict[];
}
