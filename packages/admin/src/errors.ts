/**
 * Errors as the admin API answers them: `{ error: { code, message } }` with the
 * library's stable codes and the HTTP status each code means. Never a stack trace.
 */
import { isAuditValidationError } from '@rtv/audit';
import { type KillSwitchErrorCode, isKillSwitchError } from '@rtv/policy';

/** The library's codes plus the few only HTTP has. */
export type AdminErrorCode =
  | KillSwitchErrorCode
  | 'UNAUTHORIZED'
  | 'RATE_LIMITED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'INTERNAL';

const STATUS_BY_CODE: Record<AdminErrorCode, number> = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TRIPPED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  STATE_UNAVAILABLE: 503,
  OUTCOME_UNKNOWN: 503,
};

/** An answer the server chose (not the library's): carries its code; the status follows. */
export class AdminHttpError extends Error {
  constructor(
    readonly code: AdminErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AdminHttpError';
  }
}

export interface ErrorAnswer {
  status: number;
  body: { error: { code: AdminErrorCode; message: string } };
  /** False for expected errors; true ones are logged with their stack by the server. */
  unexpected: boolean;
}

const answer = (code: AdminErrorCode, message: string, unexpected = false): ErrorAnswer => ({
  status: STATUS_BY_CODE[code],
  body: { error: { code, message } },
  unexpected,
});

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
  validation?: { instancePath?: string; message?: string; params?: Record<string, unknown> }[];
  validationContext?: string;
}

/** Fastify's own errors (schema validation, bad JSON, size, media type) as typed answers. */
function fromFastify(error: FastifyLikeError): ErrorAnswer | undefined {
  if (error.validation) {
    const first = error.validation[0];
    const missing = first?.params?.missingProperty;
    const extra = first?.params?.additionalProperty;
    const path = (first?.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
    const field = [path, missing ?? extra].filter((p) => typeof p === 'string' && p !== '').join('.');
    const where = error.validationContext ?? 'body';
    const what = extra ? 'is not allowed' : (first?.message ?? 'is invalid');
    return answer('VALIDATION_ERROR', `${where}${field ? `.${field}` : ''} ${what}`);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return answer('VALIDATION_ERROR', 'body is not valid JSON');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return answer('PAYLOAD_TOO_LARGE', 'body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return answer('UNSUPPORTED_MEDIA_TYPE', 'send JSON (content-type: application/json)');
    default:
      if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
        return answer('VALIDATION_ERROR', 'the request is malformed');
      }
      return undefined;
  }
}

/** Maps anything thrown by a route to its answer. */
export function errorAnswer(error: unknown): ErrorAnswer {
  if (error instanceof AdminHttpError) return answer(error.code, error.message);
  if (isKillSwitchError(error)) return answer(error.code, error.message);
  if (isAuditValidationError(error)) return answer('VALIDATION_ERROR', error.message);
  const fastify = typeof error === 'object' && error !== null ? fromFastify(error as FastifyLikeError) : undefined;
  return fastify ?? answer('INTERNAL', 'internal error (logged by the server)', true);
}
