/**
 * The issue's targets, judged from the measured figures only: each says what
 * was required, what was measured, and whether (or by how much not) it is met.
 */
import type { PropagationResult } from '../scenarios/propagation';
import type { SteadyStateResult } from '../scenarios/steady-state';

export interface TargetVerdict {
  target: string;
  required: string;
  measured: string;
  met: boolean;
  /** Measured over required, in the direction where above 1 is better. */
  margin: number;
}

const fmt = (n: number, digits = 3) =>
  Number.isFinite(n) ? Number(n.toPrecision(digits)).toLocaleString('en-US') : String(n);

export function judgeTargets(steady: SteadyStateResult, propagation: PropagationResult[]): TargetVerdict[] {
  const ours = steady.subjects.ours;
  const baseline = steady.subjects.baseline;
  const minOps = Math.min(ours.missOpsPerSec, ours.hitOpsPerSec);
  const maxP99 = Math.max(ours.missLatencyUs.p99, ours.hitLatencyUs.p99);
  const ratio = Math.min(ours.missOpsPerSec / baseline.missOpsPerSec, ours.hitOpsPerSec / baseline.hitOpsPerSec);
  const verdicts: TargetVerdict[] = [
    {
      target: 'isTripped throughput (ours, nothing matches and a switch matches, the lower)',
      required: '>= 1,000,000 checks/s',
      measured: `${fmt(minOps)} checks/s`,
      met: minOps >= 1_000_000,
      margin: minOps / 1_000_000,
    },
    {
      target: 'isTripped p99 per check (ours, the higher of the two contexts)',
      required: '<= 10 us',
      measured: `${fmt(maxP99)} us`,
      met: maxP99 <= 10,
      margin: 10 / maxP99,
    },
    {
      target: "throughput over the specification's reference (the lower of the two contexts)",
      required: '>= 100x',
      measured: `${fmt(ratio)}x`,
      met: ratio >= 100,
      margin: ratio / 100,
    },
  ];
  for (const p of propagation.filter((run) => !run.diagnostic)) {
    const bound = p.mode === 'pubsub' ? 100 : p.pollIntervalMs + 100;
    const p99 = p.fromCommitMs.p99;
    verdicts.push({
      target: `propagation p99, ${p.mode === 'pubsub' ? 'over pub/sub' : 'pub/sub off (version poll only)'} (${p.readers} readers, ${p.fromCommitMs.samples} flips${p.timeouts ? `, ${p.timeouts} timed out` : ''})`,
      required: `<= ${bound} ms${p.mode === 'pubsub' ? '' : ` (poll interval ${p.pollIntervalMs} ms + 100 ms)`}`,
      measured: `${fmt(p99)} ms`,
      met: p99 <= bound && p.timeouts === 0,
      margin: bound / p99,
    });
  }
  return verdicts;
}
