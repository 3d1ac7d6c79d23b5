/**
 * The frozen answers one indexed switch gives, for one state version. A decision carries the
 * version of the snapshot the check read, so an entry shared by several index versions (a patch
 * keeps unchanged entries) keeps a memo of its answers at the version it was last asked at:
 * rebuilt on the first check of that entry at a new version, then shared by every later check.
 * The memo is replaced whole, never changed in place, so a result handed out stays true.
 */
import type { SwitchSummary } from '../types';
import { type Verdict, switchDecision } from './decision';

/** A restart's answers, one per step. */
export interface RestartDecisions {
  readonly blocked: readonly Verdict[];
  readonly passed: readonly Verdict[];
}

/** The switch's blocking answer (the `Verdict` itself) and every other answer it can give, at `version`. */
export interface EntryDecisions extends Verdict {
  readonly version: number;
  /** `reduce` and `throttle`: the decision for an action let through. */
  readonly passed: Verdict | undefined;
  readonly restart: RestartDecisions | undefined;
}

/** What holds a memo: an indexed switch (`decisions` is its only field that ever changes). */
export interface DecisionsHolder {
  readonly summary: SwitchSummary;
  decisions: EntryDecisions;
}

function restartDecisions(summary: SwitchSummary, version: number): RestartDecisions | undefined {
  const plan = summary.restart;
  if (!plan) return undefined;
  const startedAtMs = plan.startedAt.getTime();
  const nextAt = (i: number) => (i + 1 < plan.steps.length ? new Date(startedAtMs + (i + 1) * plan.everyMs) : null);
  const decide = (tripped: boolean) =>
    plan.steps.map((fraction, i) =>
      switchDecision(summary, version, {
        tripped,
        reasonCode: tripped ? 'THROTTLED' : 'THROTTLE_ADMITTED',
        fraction,
        nextStepAt: nextAt(i),
      }),
    );
  return { blocked: decide(true), passed: decide(false) };
}

/** Every answer `summary` can give at `version`, built at once. */
export function buildDecisions(summary: SwitchSummary, version: number): EntryDecisions {
  const share = summary.mode === 'throttle' ? (summary.fraction ?? 0) : null;
  const blocked = switchDecision(summary, version, {
    tripped: true,
    reasonCode: summary.mode === 'halt' ? 'HALTED' : summary.mode === 'reduce' ? 'REDUCE_ONLY' : 'THROTTLED',
    fraction: share,
    nextStepAt: null,
  });
  const passed =
    summary.mode === 'halt'
      ? undefined
      : switchDecision(summary, version, {
          tripped: false,
          reasonCode: summary.mode === 'reduce' ? 'RISK_REDUCING' : 'THROTTLE_ADMITTED',
          fraction: share,
          nextStepAt: null,
        });
  return {
    version,
    result: blocked.result,
    resolved: blocked.resolved,
    passed,
    restart: restartDecisions(summary, version),
  };
}

/** The entry's answers at `version`: the memo when it is for that version (steady state, no allocation), else rebuilt. */
export function decisionsAt(entry: DecisionsHolder, version: number): EntryDecisions {
  const memo = entry.decisions;
  if (memo.version === version) return memo;
  const fresh = buildDecisions(entry.summary, version);
  entry.decisions = fresh;
  return fresh;
}
