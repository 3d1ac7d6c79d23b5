/**
 * The one logger port of the suite: what the libraries report in the
 * background (sync failures, sink retries, auto-trip errors) goes here,
 * never into a check and never as a thrown error. A pino logger fits as is.
 */

/** Structured fields first, then the message: pino's argument order. */
export type LogMethod = (fields: Record<string, unknown>, message: string) => void;

export interface Logger {
  error: LogMethod;
  warn: LogMethod;
  info: LogMethod;
  debug: LogMethod;
}

const ignore: LogMethod = () => {};

/** Says nothing: the default, so a library never writes to a service's console unasked. */
export const silentLogger: Logger = Object.freeze({ error: ignore, warn: ignore, info: ignore, debug: ignore });

/** The message of an error and its causes, without a stack: what an operator can act on. */
export function errorFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { err: String(error) };
  const code = (error as { code?: unknown }).code;
  return { err: error.message, ...(typeof code === 'string' ? { code } : {}), name: error.name };
}
