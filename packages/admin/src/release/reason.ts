/** A release's reason: a code from the configured list plus free text, checked before anything is written. */
import { ValidationError } from '@rtv/policy';
import { checkText } from '../identity/names';

export interface ReleaseReason {
  reasonCode: string;
  reason: string;
}

export function checkReason(input: ReleaseReason, codes: readonly string[]): ReleaseReason {
  if (!codes.includes(input.reasonCode)) {
    throw new ValidationError(`reasonCode must be one of ${codes.join(', ')}`, [
      { field: 'reasonCode', message: 'unknown code' },
    ]);
  }
  checkText('reason', input.reason, 1000, 10);
  return input;
}

/** The reason the service records on the switch. */
export const describeReason = (r: ReleaseReason): string => `[${r.reasonCode}] ${r.reason}`;
