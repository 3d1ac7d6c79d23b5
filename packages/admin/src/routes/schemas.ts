/** JSON schemas shared by the routes: they validate requests and become the OpenAPI document. */
export const idParam = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', minLength: 1, maxLength: 36, pattern: '^[A-Za-z0-9_-]+$' } },
} as const;

export const reasonBody = {
  type: 'object',
  required: ['reasonCode', 'reason'],
  additionalProperties: false,
  properties: {
    reasonCode: { type: 'string', minLength: 1, maxLength: 50 },
    reason: { type: 'string', minLength: 10, maxLength: 1000 },
  },
} as const;

export const errorResponse = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' } },
      required: ['code', 'message'],
    },
  },
} as const;

export const scopeEnum = ['global', 'client', 'platform', 'action'] as const;
export const targetTypeEnum = ['all', 'platform', 'action'] as const;
