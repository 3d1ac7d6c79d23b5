/**
 * Reading PostgreSQL error codes the same way from both drivers, so callers
 * can turn a constraint violation into a typed error instead of a crash.
 */

/** SQLSTATE of an error thrown by postgres.js or PGlite, if it has one. */
export function pgErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  // drizzle may wrap the driver's error in `cause`.
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export const isUniqueViolation = (error: unknown): boolean => pgErrorCode(error) === '23505';
export const isCheckViolation = (error: unknown): boolean => pgErrorCode(error) === '23514';
