/**
 * Typed errors of the audit trail. Each carries a brand so the guard works
 * across duplicated package copies, where `instanceof` does not.
 */

const BRAND = Symbol.for('@rtv/audit/AuditValidationError');

/** A bad event or query option: names the field; nothing was written. */
export class AuditValidationError extends Error {
  readonly [BRAND] = true;
  readonly code = 'VALIDATION_ERROR' as const;

  constructor(
    /** Dotted path of the offending field, e.g. `actor` or `metadata.note`. */
    readonly field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AuditValidationError';
  }
}

export function isAuditValidationError(error: unknown): error is AuditValidationError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}
