/**
 * OpenFeature's evaluation context as a kill-switch check: `clientId` (else the `targetingKey`)
 * is the client, `platform` the platform, and `key` (a post or order id) what a throttle keys on.
 */
import { type EvaluationContext, InvalidContextError, TargetingKeyMissingError } from '@openfeature/server-sdk';
import type { CheckContext } from '@rtv/policy';

const optionalString = (context: EvaluationContext, field: string): string | undefined => {
  const value = context[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidContextError(`${field} must be a string in the evaluation context`);
  return value;
};

export function checkContextOf(action: string, context: EvaluationContext): CheckContext {
  const clientId = optionalString(context, 'clientId') ?? context.targetingKey;
  if (clientId === undefined || clientId.length === 0) {
    throw new TargetingKeyMissingError('the evaluation context needs clientId (or a targetingKey naming the client)');
  }
  const platform = optionalString(context, 'platform');
  const key = optionalString(context, 'key');
  return {
    clientId,
    action,
    ...(platform === undefined ? {} : { platform }),
    ...(key === undefined ? {} : { key }),
  };
}
