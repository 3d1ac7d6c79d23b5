/**
 * The issue's targets, judged from the measured figures only: each says what was required, what was
 * measured (medians over rounds, with their range where there are rounds), and whether it is met.
 */
import type { CheckPathResult } from '../scenarios/check-path';
import type { FleetAutoTripResult } from '../scenarios/fleet-auto-trip';
import type { PropagationResult } from '../scenarios/propagation';
import type { SteadyStateResult } from '../scenarios/steady-state';
import type { WriteThroughputResult } from '../scenarios/write-throughput';

export interface TargetVerdict {
  target: string;
  required: string;
  measured: string;
  met: boolean;
  /** Measured over required, in the direction where above 1 is better (0 when not measured). */
  margin: number;
}

const fmt = (n: number, digits = 3) =>
  !Number.isFinite(n)
    ? String(n)
    : Math.abs(n) < 0.001 && n !== 0
      ? n.toExponential(2)
      : Number(n.toPrecision(digits)).toLocaleString('en-US', { maximumFractionDigits: 6 });
const range = (s: { median: number; min: number; max: number }, unit = '') =>
  `${fmt(s.median)}${unit} (${fmt(s.min)}..${fmt(s.max)})`;

export interface JudgedFigures {
  checkPath: CheckPathResult;
  legacy: SteadyStateResult;
  propagation: PropagationResult[];
  writes: WriteThroughputResult;
  fleet: FleetAutoTripResult;
}

const atLeast = (target: string, required: number, measured: number, shown: string, unit = ''): TargetVerdict => ({
  target,
  required: `>= ${fmt(required)}${unit}`,
  measured: shown,
  met: measured >= required,
  margin: measured / required,
});

const atMost = (target: string, required: number, measured: number, shown: string, unit = ''): TargetVerdict => ({
  target,
  required: `<= ${fmt(required)}${unit}`,
  measured: shown,
  met: measured <= required,
  margin: measured > 0 ? required / measured : 0,
});

export function judgeTargets(f: JudgedFigures): TargetVerdict[] {
  const c = f.checkPath;
  const verdicts: TargetVerdict[] = [
    atLeast(
      'isTripped (awaited) / async floor, realistic snapshot, ratio per round',
      0.85,
      c.isTrippedOverAsyncFloor.median,
      range(c.isTrippedOverAsyncFloor),
    ),
    atMost(
      'isTripped p99 per check, realistic snapshot',
      1,
      c.p99Us.isTripped?.median ?? Number.NaN,
      range(c.p99Us.isTripped ?? { median: Number.NaN, min: Number.NaN, max: Number.NaN }, ' us'),
      ' us',
    ),
  ];
  verdicts.push(
    c.checkOverSyncFloor
      ? atLeast(
          'check (synchronous) / sync floor, realistic snapshot, ratio per round',
          0.7,
          c.checkOverSyncFloor.median,
          range(c.checkOverSyncFloor),
        )
      : {
          target: 'check (synchronous) / sync floor',
          required: '>= 0.7',
          measured: 'not available (the service has no check())',
          met: false,
          margin: 0,
        },
  );
  for (const p of f.propagation.filter((run) => !run.diagnostic)) {
    const bound = p.mode === 'pubsub' ? 50 : p.pollIntervalMs + 100;
    const v = atMost(
      `propagation p99, last of ${p.readers} readers per flip, ${p.mode === 'pubsub' ? 'over pub/sub' : `poll only (every ${p.pollIntervalMs} ms)`} (${p.fromCommitMs.samples} flips${p.timeouts ? `, ${p.timeouts} incomplete` : ''})`,
      bound,
      p.fromCommitMs.p99,
      `${fmt(p.fromCommitMs.p99)} ms`,
      ' ms',
    );
    v.met = v.met && p.timeouts === 0;
    verdicts.push(v);
    if (p.mode === 'pubsub') {
      verdicts.push(
        atMost(
          'Redis bytes read per flip per instance (pub/sub run, the highest of the readers)',
          2048,
          p.bytesPerFlipPerInstance.max,
          `${fmt(p.bytesPerFlipPerInstance.max)} B (median reader ${fmt(p.bytesPerFlipPerInstance.median)} B)`,
          ' B',
        ),
      );
    }
  }
  const w = f.writes;
  verdicts.push(
    atLeast(
      `concurrent flips/s (${w.callers} callers, ${w.instances} instances)`,
      500,
      w.oursFlipsPerSec.median,
      range(w.oursFlipsPerSec, '/s'),
      '/s',
    ),
    atLeast(
      'concurrent flips/s over the postgres.js floor of the same statements (group commits)',
      0.3,
      w.ratio.median,
      range(w.ratio),
    ),
    atMost(
      `storm: activate ${w.storm.switches} switches (${w.storm.method.startsWith('fallback') ? 'fallback: concurrent activate' : w.storm.method})`,
      2000,
      w.storm.ms,
      `${fmt(w.storm.ms)} ms`,
      ' ms',
    ),
  );
  const fl = f.fleet;
  const fleetRange = {
    median: fl.recordsPerSec,
    min: Math.min(...fl.rounds.map((r) => r.recordsPerSec)),
    max: Math.max(...fl.rounds.map((r) => r.recordsPerSec)),
  };
  verdicts.push(
    atLeast(
      `fleet auto-trip records/s (${fl.workers} worker processes, ${fl.keys} keys, Redis-shared)`,
      500_000,
      fl.recordsPerSec,
      range(fleetRange, '/s'),
      '/s',
    ),
    atMost(
      'fleet auto-trip Redis round trips (commands sent) per record',
      0.05,
      fl.roundTripsPerRecord,
      fmt(fl.roundTripsPerRecord),
    ),
    atMost(
      'fleet auto-trip Redis commands per record, INFO commandstats (includes the commands the script runs inside Redis, and any other user of the shared server)',
      0.05,
      fl.serverCommandsPerRecord,
      fmt(fl.serverCommandsPerRecord),
    ),
  );
  // The earlier scenario, kept as a labelled extra.
  const ours = f.legacy.subjects.ours;
  const minOps = Math.min(ours.missOpsPerSec, ours.hitOpsPerSec);
  verdicts.push(
    atLeast(
      'extra (51 switches, 2 fixed contexts): isTripped throughput',
      1_000_000,
      minOps,
      `${fmt(minOps)} checks/s`,
      ' checks/s',
    ),
  );
  return verdicts;
}
