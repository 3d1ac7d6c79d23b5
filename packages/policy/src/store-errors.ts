/**
 * Turns a store's connection failure into a `StateUnavailableError` an
 * operator can act on; everything else passes through unchanged.
 */
import { isConnectionError, rootCauseMessage } from '@rtv/db';
import { StateUnavailableError, isKillSwitchError } from './errors';

export function asStoreError(error: unknown, during: string): unknown {
  if (isKillSwitchError(error) || !isConnectionError(error)) return error;
  return new StateUnavailableError(
    `PostgreSQL did not answer while ${during}: ${rootCauseMessage(error)}. Nothing was changed.`,
    { cause: error },
  );
}
