/** The switch routes' JSON schemas: request validation and, through @fastify/swagger, the OpenAPI document. */
import { reasonBody, scopeEnum, targetTypeEnum } from './schemas';

const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;

export const listSwitchesQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    scope: { type: 'string', enum: scopeEnum },
    clientId: text(100),
    targetType: { type: 'string', enum: targetTypeEnum },
    platform: text(50),
    activeOnly: { type: 'boolean' },
  },
} as const;

export const createSwitchBody = {
  type: 'object',
  required: ['scope', 'targetType', 'targetValue'],
  additionalProperties: false,
  properties: {
    scope: { type: 'string', enum: scopeEnum },
    targetType: { type: 'string', enum: targetTypeEnum },
    targetValue: text(100),
    clientId: text(100),
    platform: text(50),
  },
} as const;

export const activateBody = {
  type: 'object',
  required: ['reason'],
  additionalProperties: false,
  properties: {
    reason: { type: 'string', minLength: 10, maxLength: 1000 },
    expiresAt: { type: 'string', format: 'date-time' },
    incidentId: text(36),
    metadata: { type: 'object' },
  },
} as const;

export const bypassBody = {
  ...reasonBody,
  required: [...reasonBody.required, 'durationMs'],
  properties: { ...reasonBody.properties, durationMs: { type: 'integer', minimum: 1000 } },
} as const;
