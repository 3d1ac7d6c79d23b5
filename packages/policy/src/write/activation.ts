/**
 * What an activation does to a switch, for every store: a new activation, a change of mode
 * (an operator's halt mid-restart wins), an update of the hold when asked, or nothing.
 */
import type { KillSwitch } from '@rtv/db';
import type { ActivateInput } from '../types';
import { modeChangeOf } from './mode-transitions';
import {
  type TransitionRecord,
  activatedFields,
  activatedRecord,
  holdChanges,
  isEffectivelyActive,
  updatedRecord,
} from './transition-records';

/**
 * What activating `existing` does at `now`: a new activation, an update of the hold (when
 * asked), or nothing. Shared by both stores, one switch or a storm.
 */
export function activationOf(
  existing: KillSwitch,
  input: ActivateInput,
  now: Date,
): { result: { row: KillSwitch; changed: boolean; updated?: boolean }; transition?: TransitionRecord } {
  if (isEffectivelyActive(existing, now.getTime())) {
    const moded = modeChangeOf(existing, input, now);
    if (moded) return moded;
    const changes = holdChanges(existing, input, now);
    if (!changes) return { result: { row: existing, changed: false } };
    const row = { ...existing, ...changes };
    return { result: { row, changed: true, updated: true }, transition: updatedRecord(existing, input, now) };
  }
  const row = { ...existing, ...activatedFields(input, now) };
  return { result: { row, changed: true }, transition: activatedRecord(input, now) };
}
