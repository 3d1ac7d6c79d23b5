/**
 * Turns any error a command can meet into a message a person can act on and
 * an exit code a script can rely on. Expected errors (bad input, not found,
 * forbidden, conflict, an unreachable server) never print a stack; only
 * truly unexpected ones do, or any with `--debug`.
 */
import { isAuditValidationError } from '@rtv/audit';
import { isConnectionError as isDriverConnectionError, isEmbeddedDatabaseLockedError, pgErrorCode } from '@rtv/db';
import {
  type FieldIssue,
  isConflictError,
  isForbiddenError,
  isKillSwitchError,
  isNotFoundError,
  isOutcomeUnknownError,
  isStateUnavailableError,
  isValidationError,
} from '@rtv/policy';
import { ExitCode, type ExitCodeValue } from './exit-codes';
import { NotConfirmedError, UsageError } from './usage-error';

/** The service's field names, as the operator typed them on the command line. */
const OPTION_OF_FIELD: Record<string, string> = {
  scope: '--scope',
  targetType: '--target-type',
  targetValue: '--target-value',
  clientId: '--client',
  platform: '--platform',
  createdBy: '--by',
  activatedBy: '--by',
  deactivatedBy: '--by',
  reason: '--reason',
  expiresAt: '--expires-in',
  id: '<id>',
  notes: '--notes',
  actor: '--actor',
  type: '--type',
  target: '--target',
  since: '--since',
  limit: '--limit',
};

export function optionForField(field: string): string {
  return OPTION_OF_FIELD[field] ?? field;
}

/** `postgres://user:secret@host/db` -> `postgres://user:***@host/db`. Leaves text without credentials alone. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return redactSecrets(url);
  }
}

/** Redacts every `scheme://user:password@` inside free text (driver messages sometimes quote the URL). */
export function redactSecrets(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, '$1***@');
}

/** The driver's own reason, under drizzle's "Failed query" wrapper. */
function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause !== undefined; depth++) {
    current = current.cause;
  }
  return current;
}

/**
 * An outage (the library's one classification), or a server that answered
 * but would not let us in: a refused login (class 28) or a missing database (3D000).
 */
export function isConnectionError(error: unknown): boolean {
  if (isDriverConnectionError(error)) return true;
  const state = pgErrorCode(error);
  return state !== undefined && (state.startsWith('28') || state === '3D000');
}

/** The driver's reason under any wrappers, e.g. `ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1`. */
export function rootCauseText(error: unknown): string {
  return redactSecrets(errorText(rootCause(error)));
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

function issueLines(issues: readonly FieldIssue[]): string[] {
  return issues.map((issue) => `  ${optionForField(issue.field)}: ${issue.message}`);
}

export interface ErrorReport {
  exitCode: ExitCodeValue;
  /** What to print on stderr (already redacted). */
  message: string;
  /** Whether the stack is worth printing (unexpected errors only). */
  unexpected: boolean;
}

export interface ErrorContext {
  /** Where the database is, redacted, e.g. `postgres://app:***@db:5432/ks` or `embedded PGlite at ./.rtv/data`. */
  database?: string;
}

export function errorToExit(error: unknown, context: ErrorContext = {}): ErrorReport {
  const where = context.database ? `\n  database: ${context.database}` : '';
  const report = (exitCode: ExitCodeValue, message: string, unexpected = false): ErrorReport => ({
    exitCode,
    message: redactSecrets(message),
    unexpected,
  });

  if (error instanceof UsageError) return report(ExitCode.USAGE, error.message);
  if (error instanceof NotConfirmedError) {
    return report(error.nonInteractive ? ExitCode.USAGE : ExitCode.ABORTED, error.message);
  }
  if (isValidationError(error)) {
    const lines = issueLines(error.issues);
    return report(ExitCode.USAGE, lines.length > 0 ? `invalid input:\n${lines.join('\n')}` : error.message);
  }
  if (isAuditValidationError(error)) {
    return report(ExitCode.USAGE, `invalid input:\n  ${optionForField(error.field)}: ${error.message}`);
  }
  if (isNotFoundError(error)) return report(ExitCode.NOT_FOUND, error.message);
  if (isForbiddenError(error)) return report(ExitCode.FORBIDDEN, error.message);
  if (isConflictError(error)) return report(ExitCode.CONFLICT, error.message);
  if (isStateUnavailableError(error)) {
    return report(
      ExitCode.UNAVAILABLE,
      `${error.message}${where}\n  check that the server is up and reachable from here`,
    );
  }
  if (isOutcomeUnknownError(error)) {
    return report(
      ExitCode.OUTCOME_UNKNOWN,
      `${error.message}${where}\n  read the switch (rtv-ks history <id>) before acting again`,
    );
  }
  if (isKillSwitchError(error)) return report(ExitCode.UNEXPECTED, error.message);
  // Another process (typically a running service) holds the embedded directory: nothing was opened or changed.
  if (isEmbeddedDatabaseLockedError(error))
    return report(ExitCode.UNAVAILABLE, `${error.message}. Nothing was changed.`);
  if (isConnectionError(error)) {
    const state = pgErrorCode(error);
    // The server answered but would not let us in (no such database, bad credentials): a configuration fix.
    const refused = state !== undefined && (state.startsWith('28') || state === '3D000');
    return report(
      ExitCode.UNAVAILABLE,
      refused
        ? `PostgreSQL refused the connection: ${errorText(rootCause(error))}. Nothing was changed.${where}\n  check the database name and credentials in DATABASE_URL`
        : `PostgreSQL did not answer: ${errorText(rootCause(error))}. Nothing was changed.${where}\n  check that the server is up and reachable from here`,
    );
  }
  if (pgErrorCode(error) === '42P01') {
    return report(
      ExitCode.UNAVAILABLE,
      `the database has no kill-switch tables yet: run \`rtv-ks migrate\` first.${where}`,
    );
  }
  return report(ExitCode.UNEXPECTED, `unexpected error: ${errorText(error)}`, true);
}
