/**
 * The decisions a check hands back, built once per switch (per restart step) and state version
 * (entry-decisions.ts), frozen, each with its already-resolved promise: a check that matches a
 * switch returns one of them and allocates nothing.
 */
import type { CheckResult, DecisionCode, KillSwitchMode, SwitchLevel, SwitchSummary } from '../types';

/** A decision and the same, already resolved, for the awaited check. */
export interface Verdict {
  readonly result: CheckResult;
  readonly resolved: Promise<CheckResult>;
}

/** Halt over reduce over throttle: when several switches match, the most restrictive decides. */
export const MODE_RANK: Readonly<Record<KillSwitchMode, number>> = { halt: 3, reduce: 2, throttle: 1 };

/** The level of DESIGN.md's order: every client first, then one client, at each of the four targets. */
export function levelOf(summary: SwitchSummary): SwitchLevel {
  const target = summary.targetType === 'all' ? 1 : summary.targetType === 'platform' ? 3 : summary.platform ? 7 : 5;
  return (target + (summary.clientId === null ? 0 : 1)) as SwitchLevel;
}

export const verdict = (result: CheckResult): Verdict => ({ result, resolved: Promise.resolve(result) });

export interface DecisionFields {
  tripped: boolean;
  reasonCode: DecisionCode;
  fraction: number | null;
  nextStepAt: Date | null;
}

/** A switch's decision in the shape every caller reads (and the gate's error repeats). */
export function switchDecision(summary: SwitchSummary, version: number, fields: DecisionFields): Verdict {
  return verdict(
    Object.freeze({
      tripped: fields.tripped,
      switch: summary,
      reason: summary.reason,
      mode: summary.mode,
      level: levelOf(summary),
      reasonCode: fields.reasonCode,
      version,
      expiresAt: summary.expiresAt,
      nextStepAt: fields.nextStepAt,
      fraction: fields.fraction,
    }),
  );
}

/** No switch decided: nothing matched (`CLEAR`), or the failure policy answered. */
export function policyDecision(
  tripped: boolean,
  reasonCode: DecisionCode,
  reason: string | null,
  version: number,
): Verdict {
  return verdict(
    Object.freeze({
      tripped,
      switch: null,
      reason,
      mode: null,
      level: null,
      reasonCode,
      version,
      expiresAt: null,
      nextStepAt: null,
      fraction: null,
    }),
  );
}
