/**
 * The action a drill blocks: reserved, so a drill's switch can never stop
 * real work, and refused on the service's `create`/`ensure` so nobody makes
 * a real switch that a drill would flip.
 */
import { ValidationError } from '../errors';
import type { CreateSwitchInput } from '../types';

/** Real traffic never checks this action: blocking it halts nothing but the drill's own probe. */
export const DRILL_ACTION = '__rtv_drill__';

export function assertNotReserved(input: CreateSwitchInput): void {
  if (typeof input === 'object' && input !== null && input.targetValue === DRILL_ACTION) {
    throw new ValidationError(`targetValue ${DRILL_ACTION} is reserved for drills (rtv-ks drill, runDrill)`, [
      { field: 'targetValue', message: 'is reserved for drills' },
    ]);
  }
}
