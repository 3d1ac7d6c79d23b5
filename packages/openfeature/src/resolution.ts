/**
 * A kill-switch decision as OpenFeature resolution details: the value is "may run", the reason
 * standard (`DISABLED` when a switch blocks, `TARGETING_MATCH` when a switch matched and let the
 * action through, `STATIC` when none matched, `STALE` or `ERROR` when the failure policy
 * answered), and the deciding switch in the flag metadata.
 */
import { type FlagMetadata, type ResolutionDetails, StandardResolutionReasons } from '@openfeature/server-sdk';
import type { CheckResult } from '@rtv/policy';

function reasonOf(decision: CheckResult): string {
  if (decision.reasonCode === 'CLEAR') return StandardResolutionReasons.STATIC;
  if (decision.reasonCode === 'SERVICE_CLOSED') return StandardResolutionReasons.ERROR;
  // No state at all is an error; state held but not confirmed lately is stale.
  if (decision.reasonCode === 'STATE_UNAVAILABLE') {
    return decision.version < 0 ? StandardResolutionReasons.ERROR : StandardResolutionReasons.STALE;
  }
  return decision.tripped ? StandardResolutionReasons.DISABLED : StandardResolutionReasons.TARGETING_MATCH;
}

/** Flag metadata holds strings, numbers and booleans only: absent values are left out. */
function metadataOf(decision: CheckResult): FlagMetadata {
  const metadata: Record<string, string | number | boolean> = {
    reasonCode: decision.reasonCode,
    version: decision.version,
  };
  if (decision.switch) metadata.switchId = decision.switch.id;
  if (decision.mode) metadata.mode = decision.mode;
  if (decision.level) metadata.level = decision.level;
  if (decision.reason) metadata.reason = decision.reason;
  if (decision.fraction !== null) metadata.fraction = decision.fraction;
  if (decision.expiresAt) metadata.expiresAt = decision.expiresAt.toISOString();
  if (decision.nextStepAt) metadata.nextStepAt = decision.nextStepAt.toISOString();
  return metadata;
}

/**
 * The value follows the service's failure policy even when the state is unavailable (no error
 * code, so the SDK does not swap in the caller's default: a kill switch's default is its policy).
 */
export function resolutionOf(decision: CheckResult): ResolutionDetails<boolean> {
  const reason = reasonOf(decision);
  const failing = reason === StandardResolutionReasons.ERROR || reason === StandardResolutionReasons.STALE;
  return {
    value: !decision.tripped,
    reason,
    variant: decision.tripped ? 'blocked' : 'allowed',
    flagMetadata: metadataOf(decision),
    ...(failing && decision.reason ? { errorMessage: decision.reason } : {}),
  };
}
