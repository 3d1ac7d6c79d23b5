/**
 * Decisions when a matching switch is not a plain halt: `reduce` lets risk-reducing actions
 * through, `throttle` a share, and when several switches match the most restrictive decides
 * (halt over reduce over throttle; the higher priority among equals). Only checks that match a
 * switch in an index holding such modes come here; the answers are the index's prebuilt ones.
 */
import type { Verdict } from './decision';
import { decisionsAt } from './entry-decisions';
import { type IndexedRestart, type IndexedSwitch, type SwitchIndex, live, switchAtLevel } from './switch-index';
import { keyShare } from './throttle-share';

/** What a check asks, in the form the index is read with. */
export interface ModeQuery {
  clientId: string;
  action: string;
  platform: string | undefined;
  key: string | undefined;
  now: number;
  /** The service's classification of risk-reducing actions, for `reduce` switches that name none. */
  riskReducing: ReadonlySet<string>;
}

/** The step a restart is at: a pure function of the plan and the clock, so every instance agrees. */
export function restartStep(restart: Pick<IndexedRestart, 'startedAtMs' | 'everyMs' | 'steps'>, now: number): number {
  const elapsed = Math.floor((now - restart.startedAtMs) / restart.everyMs);
  return Math.min(Math.max(0, elapsed), restart.steps.length - 1);
}

function admitted(entry: IndexedSwitch, fraction: number, key: string | undefined): boolean {
  if (fraction >= 1) return true;
  if (key !== undefined) return keyShare(entry.seed, key) < fraction;
  return entry.bucket.take(fraction);
}

/** What one switch says to this check, in answers carrying `version`. */
export function verdictOf(entry: IndexedSwitch, query: ModeQuery, version: number): Verdict {
  const decisions = decisionsAt(entry, version);
  const mode = entry.summary.mode;
  const passed = decisions.passed;
  if (mode === 'halt' || passed === undefined) return decisions;
  if (mode === 'reduce') return (entry.allow ?? query.riskReducing).has(query.action) ? passed : decisions;
  const restart = entry.restart;
  const steps = decisions.restart;
  if (restart === undefined || steps === undefined)
    return admitted(entry, entry.fraction, query.key) ? passed : decisions;
  const step = restartStep(restart, query.now);
  const letThrough = admitted(entry, restart.steps[step] as number, query.key);
  return (letThrough ? steps.passed[step] : steps.blocked[step]) as Verdict;
}

/** Every matching switch, in priority order: the most restrictive one that blocks decides, else the most restrictive that lets through. */
export function decideAmongModes(index: SwitchIndex, query: ModeQuery): Verdict {
  const client = index.byClient.get(query.clientId);
  let blocked: Verdict | undefined;
  let blockedRank = 0;
  let passed: Verdict | undefined;
  let passedRank = 0;
  for (let level = 1; level <= 8; level++) {
    const entry = live(switchAtLevel(index, client, level, query.action, query.platform), query.now);
    if (entry === undefined) continue;
    const said = verdictOf(entry, query, index.version);
    if (said.result.tripped) {
      // A halt is the most restrictive there is, and none came before it.
      if (entry.summary.mode === 'halt') return said;
      if (entry.rank > blockedRank) {
        blocked = said;
        blockedRank = entry.rank;
      }
    } else if (entry.rank > passedRank) {
      passed = said;
      passedRank = entry.rank;
    }
  }
  return blocked ?? passed ?? index.clear;
}
