/**
 * One classification of "the server could not be reached or went away" for
 * both drivers (postgres.js, PGlite) and for ioredis, so every layer agrees
 * on what counts as an outage rather than a bad request.
 */
import { pgErrorCode } from './pg-errors';

const ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);
const DRIVER_CODES = new Set(['CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED']);

/** Whether anything in the error's cause chain says the connection failed (or a deadline passed). */
export function isConnectionError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    if ((current as { name?: unknown }).name === 'DeadlineError') return true;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (ERRNO.has(code) || DRIVER_CODES.has(code))) return true;
    // AggregateError from a dual-stack connect attempt carries the per-address errors.
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.some(isConnectionError)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  const state = pgErrorCode(error);
  // Class 08: connection exceptions; 57P0x: server shutting down; 57014: statement timeout.
  return state !== undefined && (state.startsWith('08') || state.startsWith('57P0') || state === '57014');
}

/**
 * The driver's reason under any wrappers (drizzle's "Failed query: <sql>"):
 * `ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:5432`, what a person can act on.
 */
export function rootCauseMessage(error: unknown): string {
  let root: unknown = error;
  while (root instanceof Error && root.cause instanceof Error) root = root.cause;
  if (!(root instanceof Error)) return String(root);
  const code = (root as { code?: unknown }).code;
  const label = typeof code === 'string' ? code : root.name;
  return root.message.startsWith(label) ? root.message : `${label}: ${root.message}`;
}
