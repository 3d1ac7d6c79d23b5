/** The gate's refusal: the check's decision as a typed error a program (or a model) can act on. */
import { KillSwitchTrippedError } from '../errors';
import type { CheckResult } from '../types';

export function trippedError(result: CheckResult): KillSwitchTrippedError {
  const switchId = result.switch?.id ?? null;
  const reason = result.reason ?? result.switch?.reason ?? null;
  const which = switchId ? `kill switch ${switchId} (${result.mode}, level ${result.level})` : 'the kill-switch state';
  return new KillSwitchTrippedError(`Blocked by ${which}: ${reason ?? 'no reason given'}`, switchId, reason, result);
}
