/**
 * Turns a store's failure into a `StateUnavailableError` that names its real cause (an
 * unreachable server, another writer holding the row, a statement cut by the server);
 * everything else passes through unchanged.
 */
import { isConnectionError, pgErrorCode, rootCauseMessage } from '@rtv/db';
import { StateUnavailableError, isKillSwitchError } from './errors';

export function asStoreError(error: unknown, during: string): unknown {
  if (isKillSwitchError(error)) return error;
  const state = pgErrorCode(error);
  if (state === '55P03') {
    return new StateUnavailableError(
      `Another writer holds this kill switch while ${during}: a lock it needs (the switch's row) was not released within lock_timeout (55P03). Nothing was changed; retry shortly.`,
      { cause: error },
    );
  }
  if (state === '57014') {
    return new StateUnavailableError(
      `PostgreSQL cancelled a statement while ${during} (statement_timeout or a cancel request, 57014). Nothing was changed.`,
      { cause: error },
    );
  }
  if (!isConnectionError(error)) return error;
  return new StateUnavailableError(
    `PostgreSQL did not answer while ${during}: ${rootCauseMessage(error)}. Nothing was changed.`,
    { cause: error },
  );
}
