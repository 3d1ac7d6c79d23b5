/**
 * Turns a driver's connection failure into a `StateUnavailableError` an
 * operator can act on; everything else passes through unchanged.
 */
import { pgErrorCode } from '@rtv/db';
import { StateUnavailableError, isKillSwitchError } from './errors';
import { OperationTimeoutError } from './sync/with-timeout';

const CONNECTION_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);

export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof OperationTimeoutError) return true;
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_ERRNO.has(code)) return true;
    if (code === 'CONNECT_TIMEOUT' || code === 'CONNECTION_CLOSED' || code === 'CONNECTION_ENDED') return true;
    current = (current as { cause?: unknown }).cause;
  }
  const sqlState = pgErrorCode(error);
  // Class 08: connection exceptions; 57P0x: server shutting down; 57014: statement timeout.
  return sqlState !== undefined && (sqlState.startsWith('08') || sqlState.startsWith('57P0') || sqlState === '57014');
}

/**
 * drizzle wraps the driver's error in "Failed query: <sql>": the root cause
 * (`ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:5432`) is what a person can act on.
 */
export function rootCauseMessage(error: unknown): string {
  let root: unknown = error;
  while (root instanceof Error && root.cause instanceof Error) root = root.cause;
  if (!(root instanceof Error)) return String(root);
  const code = (root as { code?: unknown }).code;
  return `${typeof code === 'string' ? code : root.name}: ${root.message}`;
}

export function asStoreError(error: unknown, during: string): unknown {
  if (isKillSwitchError(error) || !isConnectionFailure(error)) return error;
  const detail = rootCauseMessage(error);
  return new StateUnavailableError(`PostgreSQL did not answer while ${during}: ${detail}. Nothing was changed.`, {
    cause: error,
  });
}
