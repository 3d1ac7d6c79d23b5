/**
 * The transitions modes add, shared by every store: an active switch put in another mode (an
 * operator's halt mid-restart wins), a gradual restart begun instead of a release, and the
 * steps of a restart recorded as the clock passes them (the last, a share of 1, releases it).
 */
import type { KillSwitch, RestartPlan } from '@rtv/db';
import { restartStep } from '../check/mode-decision';
import type { ActivateInput, DeactivateInput } from '../types';
import {
  RESTART_ACTOR,
  type TransitionRecord,
  deactivatedFields,
  deactivatedRecord,
  isEffectivelyActive,
  modeFields,
} from './transition-records';

type Step = { result: { row: KillSwitch; changed: boolean; updated?: boolean }; transition?: TransitionRecord };

const sameList = (a: readonly string[] | null, b: readonly string[] | null) =>
  (a ?? []).join('\u0000') === (b ?? []).join('\u0000');

/** Activating an active switch in another mode, or one restarting: one `updated` transition. Null when the mode is the same. */
export function modeChangeOf(existing: KillSwitch, input: ActivateInput, now: Date): Step | null {
  const wanted = modeFields(input);
  const same =
    existing.restart === null &&
    existing.mode === wanted.mode &&
    existing.fraction === wanted.fraction &&
    sameList(existing.allowActions, wanted.allowActions);
  if (same) return null;
  const row: KillSwitch = {
    ...existing,
    ...wanted,
    reason: input.reason,
    activatedBy: input.activatedBy,
    expiresAt: input.expiresAt ?? existing.expiresAt,
    updatedAt: now,
  };
  const transition: TransitionRecord = {
    action: 'updated',
    previousState: true,
    newState: true,
    reason: input.reason,
    actor: input.activatedBy,
    at: now,
    details: {
      incidentId: input.incidentId ?? null,
      previousMode: existing.mode,
      mode: wanted.mode,
      fraction: wanted.fraction,
      allowActions: wanted.allowActions,
      restartCancelled: existing.restart !== null,
      previousReason: existing.reason,
      ...input.metadata,
    },
  };
  return { result: { row, changed: true, updated: true }, transition };
}

/** Deactivating: a release at once, or (with `restart`) a throttle stepping up; a no-op on an inactive or already restarting switch. */
export function deactivationOf(existing: KillSwitch, input: DeactivateInput, now: Date): Step {
  if (!existing.isActive) return { result: { row: existing, changed: false } };
  if (!input.restart) {
    return {
      result: { row: { ...existing, ...deactivatedFields(now) }, changed: true },
      transition: deactivatedRecord(existing, input, now),
    };
  }
  if (existing.restart !== null) return { result: { row: existing, changed: false } };
  const restart: RestartPlan = {
    steps: [...input.restart.steps],
    everyMs: input.restart.everyMs,
    startedAt: now.toISOString(),
    recordedStep: 0,
  };
  const row: KillSwitch = {
    ...existing,
    mode: 'throttle',
    allowActions: null,
    fraction: null,
    restart,
    updatedAt: now,
  };
  const transition: TransitionRecord = {
    action: 'restart_started',
    previousState: true,
    newState: true,
    reason: input.reason,
    actor: input.deactivatedBy,
    at: now,
    details: {
      ...input.metadata,
      previousMode: existing.mode,
      steps: restart.steps,
      everyMs: restart.everyMs,
      fraction: restart.steps[0],
    },
  };
  return { result: { row, changed: true }, transition };
}

function stepRecord(plan: RestartPlan, step: number, released: boolean, now: Date): TransitionRecord {
  return {
    action: 'restart_step',
    previousState: true,
    newState: !released,
    reason: released ? 'Gradual restart complete' : `Gradual restart at ${plan.steps[step]}`,
    actor: RESTART_ACTOR,
    at: now,
    details: {
      step,
      fraction: plan.steps[step],
      steps: plan.steps,
      scheduledAt: new Date(Date.parse(plan.startedAt) + step * plan.everyMs).toISOString(),
      released,
    },
  };
}

/**
 * The steps of `existing`'s restart the clock has passed since the last one recorded, each its
 * own history and audit record; past a last step of 1 the switch is released. Null when none is due.
 */
export function restartStepsDue(
  existing: KillSwitch,
  now: Date,
): { row: KillSwitch; transitions: TransitionRecord[] } | null {
  const plan = existing.restart;
  if (plan === null || !isEffectivelyActive(existing, now.getTime())) return null;
  const reached = restartStep(
    { startedAtMs: Date.parse(plan.startedAt), everyMs: plan.everyMs, steps: plan.steps },
    now.getTime(),
  );
  if (reached <= plan.recordedStep) return null;
  const releases = reached === plan.steps.length - 1 && plan.steps[reached] === 1;
  const transitions: TransitionRecord[] = [];
  for (let step = plan.recordedStep + 1; step <= reached; step++) {
    transitions.push(stepRecord(plan, step, releases && step === reached, now));
  }
  const row: KillSwitch = releases
    ? { ...existing, ...deactivatedFields(now) }
    : { ...existing, restart: { ...plan, recordedStep: reached }, updatedAt: now };
  return { row, transitions };
}
