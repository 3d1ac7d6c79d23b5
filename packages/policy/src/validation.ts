/**
 * Input validation for the write path (zod) and the cheap hand-written
 * check for the hot path. Every failure names the field and changes nothing.
 */
import { isStorableText } from '@rtv/audit';
import { columnLimits, killSwitchModes, killSwitchScopes, killSwitchTargetTypes } from '@rtv/db';
import { z } from 'zod';
import { type FieldIssue, ValidationError } from './errors';
import type {
  ActivateInput,
  CheckContext,
  CreateSwitchInput,
  DeactivateInput,
  ListActiveFilter,
  ListSwitchesFilter,
} from './types';

/** Identifiers (clients, platforms, actions): no spaces, quotes or control characters. */
const IDENTIFIER = /^[A-Za-z0-9_.:@/-]+$/;
const MAX_REASON = 2000;
const MAX_METADATA_BYTES = 16 * 1024;
/** timestamptz stores years 4713 BC to 294276 AD; ISO strings and most tools stop at 9999. */
const MAX_YEAR = 9999;
const UNSTORABLE_MESSAGE = 'must not contain NUL or unpaired surrogates (PostgreSQL cannot store them)';

/** Reasons may span lines; other control characters only hide text from a reader. */
function hasNoControlExceptWhitespace(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 32 && code !== 9 && code !== 10 && code !== 13) || code === 127) return false;
  }
  return true;
}

/** Actors are free text (names, emails) on one line. */
function hasNoControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 32 || code === 127) return false;
  }
  return true;
}

const identifier = (field: string, max: number) =>
  z
    .string({ required_error: `${field} is required`, invalid_type_error: `${field} must be a string` })
    .min(1, `${field} must not be empty`)
    .max(max, `${field} must be at most ${max} characters`)
    .regex(IDENTIFIER, `${field} may contain only letters, digits and _ . : @ / -`);

const actor = (field: string) =>
  z
    .string({ required_error: `${field} is required`, invalid_type_error: `${field} must be a string` })
    .trim()
    .min(1, `${field} must not be empty`)
    .max(columnLimits.actor, `${field} must be at most ${columnLimits.actor} characters`)
    .refine(hasNoControl, `${field} must not contain control characters`)
    .refine(isStorableText, `${field} ${UNSTORABLE_MESSAGE}`);

const reason = z
  .string({ required_error: 'reason is required', invalid_type_error: 'reason must be a string' })
  .trim()
  .min(10, 'reason must be at least 10 characters (say why, for the audit trail)')
  .max(MAX_REASON, `reason must be at most ${MAX_REASON} characters`)
  .refine(hasNoControlExceptWhitespace, 'reason must not contain control characters')
  .refine(isStorableText, `reason ${UNSTORABLE_MESSAGE}`);

const mode = z.enum(killSwitchModes, {
  errorMap: () => ({ message: `mode must be one of ${killSwitchModes.join(', ')}` }),
});

const share = (field: string) =>
  z
    .number({ required_error: `${field} is required`, invalid_type_error: `${field} must be a number` })
    .min(0, `${field} must be between 0 and 1`)
    .max(1, `${field} must be between 0 and 1`);

const MAX_ALLOW_ACTIONS = 32;
const MAX_RESTART_STEPS = 20;
const MAX_RESTART_EVERY_MS = 7 * 24 * 3600 * 1000;

const switchId = z
  .string({ required_error: 'id is required', invalid_type_error: 'id must be a string' })
  .min(1, 'id must not be empty')
  .max(columnLimits.id, `id must be at most ${columnLimits.id} characters`)
  .refine(isStorableText, `id ${UNSTORABLE_MESSAGE}`);

/** Plain JSON objects only: what is stored must read back the same. */
function jsonSafeIssue(value: unknown, path: string, depth = 0): string | undefined {
  if (depth > 20) return `${path} is nested too deeply`;
  if (typeof value === 'string') return isStorableText(value) ? undefined : `${path} ${UNSTORABLE_MESSAGE}`;
  if (value === null || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path} must be a finite number`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const issue = jsonSafeIssue(value[i], `${path}.${i}`, depth + 1);
      if (issue) return issue;
    }
    return undefined;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return `${path} must be a plain JSON object`;
    for (const key of Object.keys(value)) {
      if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
        return `${path} must not use the key "${key}"`;
      }
      if (!isStorableText(key)) return `${path} keys ${UNSTORABLE_MESSAGE}`;
      const issue = jsonSafeIssue((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
      if (issue) return issue;
    }
    return undefined;
  }
  return `${path} must be JSON (got ${typeof value})`;
}

// Checked on the raw input: a parsed record would already have lost (or applied) a `__proto__` key.
const metadata = z
  .unknown()
  .superRefine((value, ctx) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'metadata must be an object' });
      return;
    }
    const issue = jsonSafeIssue(value, 'metadata');
    if (issue) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: issue });
      return;
    }
    if (Buffer.byteLength(JSON.stringify(value)) > MAX_METADATA_BYTES) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `metadata must encode to at most ${MAX_METADATA_BYTES} bytes`,
      });
    }
  })
  // A plain copy: the caller's getters must not run again (or answer differently) after validation.
  .transform((value) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>);

const autoTripConfig = z
  .object(
    {
      enabled: z.boolean({ invalid_type_error: 'autoTripConfig.enabled must be a boolean' }),
      errorRateThreshold: z.number().min(0).max(1),
      minSamples: z.number().int().positive(),
      windowMs: z.number().int().positive(),
      cooldownMs: z.number().int().positive(),
    },
    { invalid_type_error: 'autoTripConfig must be an object' },
  )
  .strict();

const scope = z.enum(killSwitchScopes, {
  errorMap: () => ({ message: `scope must be one of ${killSwitchScopes.join(', ')}` }),
});
const targetType = z.enum(killSwitchTargetTypes, {
  errorMap: () => ({ message: `targetType must be one of ${killSwitchTargetTypes.join(', ')}` }),
});

const createSchema = z
  .object(
    {
      scope,
      targetType,
      targetValue: z
        .string({ required_error: 'targetValue is required', invalid_type_error: 'targetValue must be a string' })
        .min(1, 'targetValue must not be empty')
        .max(columnLimits.targetValue, `targetValue must be at most ${columnLimits.targetValue} characters`)
        .regex(/^(\*|[A-Za-z0-9_.:@/-]+)$/, 'targetValue may contain only letters, digits and _ . : @ / - (or be *)'),
      clientId: identifier('clientId', columnLimits.clientId).optional(),
      platform: identifier('platform', columnLimits.platform).optional(),
      createdBy: actor('createdBy'),
      autoTripConfig: autoTripConfig.optional(),
    },
    { invalid_type_error: 'input must be an object', required_error: 'input is required' },
  )
  .strict()
  .superRefine((input, ctx) => {
    const fail = (path: string, message: string) =>
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
    // The specification's messages, kept word for word.
    if (input.scope === 'client' && !input.clientId) fail('clientId', 'Client scope requires clientId');
    if (input.scope === 'global' && input.clientId) fail('clientId', 'Global scope cannot have clientId');
    if (input.scope === 'platform' && input.targetType !== 'platform') {
      fail('targetType', "Platform scope requires targetType 'platform'");
    }
    if (input.scope === 'action' && input.targetType !== 'action') {
      fail('targetType', "Action scope requires targetType 'action'");
    }
    if (input.targetType === 'all' && input.targetValue !== '*') {
      fail('targetValue', "targetType 'all' requires targetValue '*'");
    }
    if (input.targetType !== 'all' && input.targetValue === '*') {
      fail('targetValue', "targetValue '*' is only valid with targetType 'all'");
    }
    if (input.platform !== undefined && input.targetType !== 'action') {
      fail('platform', "platform narrows only action switches (targetType 'action')");
    }
  });

const activateSchema = z
  .object(
    {
      id: switchId,
      reason,
      activatedBy: actor('activatedBy'),
      incidentId: identifier('incidentId', 100).optional(),
      metadata: metadata.optional(),
      expiresAt: z
        .date({ invalid_type_error: 'expiresAt must be a Date' })
        .refine((date) => date.getUTCFullYear() <= MAX_YEAR, `expiresAt must be before the year ${MAX_YEAR + 1}`)
        .optional(),
      updateHold: z.boolean({ invalid_type_error: 'updateHold must be a boolean' }).optional(),
      mode: mode.optional(),
      allowActions: z
        .array(identifier('allowActions[]', columnLimits.targetValue), {
          invalid_type_error: 'allowActions must be an array of action names',
        })
        .min(1, 'allowActions must name at least one action')
        .max(MAX_ALLOW_ACTIONS, `allowActions must name at most ${MAX_ALLOW_ACTIONS} actions`)
        .optional(),
      fraction: share('fraction').optional(),
    },
    { invalid_type_error: 'input must be an object', required_error: 'input is required' },
  )
  .strict()
  .superRefine((input, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (input.mode === 'throttle' && input.fraction === undefined)
      issue('fraction', 'fraction is required with mode throttle');
    if (input.mode !== 'throttle' && input.fraction !== undefined)
      issue('fraction', 'fraction goes with mode throttle only');
    if (input.mode !== 'reduce' && input.allowActions !== undefined) {
      issue('allowActions', 'allowActions goes with mode reduce only');
    }
  });

const restartSchema = z
  .object(
    {
      steps: z
        .array(share('restart.steps[]'), { invalid_type_error: 'restart.steps must be an array of fractions' })
        .min(1, 'restart.steps must hold at least one step')
        .max(MAX_RESTART_STEPS, `restart.steps must hold at most ${MAX_RESTART_STEPS} steps`)
        .refine((steps) => steps.every((step, i) => i === 0 || step > (steps[i - 1] as number)), {
          message: 'restart.steps must increase',
        })
        .refine((steps) => steps[steps.length - 1] === 1, { message: 'restart.steps must end with 1' })
        .refine((steps) => steps.every((step) => step > 0), { message: 'restart.steps must be above 0' }),
      everyMs: z
        .number({
          required_error: 'restart.everyMs is required',
          invalid_type_error: 'restart.everyMs must be a number',
        })
        .int('restart.everyMs must be a whole number of ms')
        .min(1, 'restart.everyMs must be at least 1')
        .max(MAX_RESTART_EVERY_MS, `restart.everyMs must be at most ${MAX_RESTART_EVERY_MS} (a week)`),
    },
    { invalid_type_error: 'restart must be an object { steps, everyMs }' },
  )
  .strict();

const deactivateSchema = z
  .object(
    {
      id: switchId,
      reason,
      deactivatedBy: actor('deactivatedBy'),
      metadata: metadata.optional(),
      restart: restartSchema.optional(),
    },
    { invalid_type_error: 'input must be an object', required_error: 'input is required' },
  )
  .strict();

const listActiveSchema = z
  .object(
    {
      scope: scope.optional(),
      clientId: identifier('clientId', columnLimits.clientId).optional(),
      targetType: targetType.optional(),
      platform: identifier('platform', columnLimits.platform).optional(),
    },
    { invalid_type_error: 'filter must be an object' },
  )
  .strict();

const listSchema = listActiveSchema
  .extend({ activeOnly: z.boolean({ invalid_type_error: 'activeOnly must be a boolean' }).optional() })
  .strict();

function toValidationError(error: z.ZodError): ValidationError {
  const issues: FieldIssue[] = error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : 'input';
    const message =
      issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message || 'is invalid';
    return { field, message };
  });
  return new ValidationError(issues.map((i) => i.message).join('; '), issues);
}

export function parseInput<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, input: unknown): T {
  let result: z.SafeParseReturnType<unknown, T>;
  try {
    result = schema.safeParse(input);
  } catch (error) {
    // A getter or Proxy trap of the caller's object threw while it was read.
    const detail = error instanceof Error ? error.message : String(error);
    throw new ValidationError(`input could not be read: ${detail}`, [{ field: 'input', message: 'could not be read' }]);
  }
  if (!result.success) throw toValidationError(result.error);
  return result.data;
}

export const parseCreateInput = (input: unknown): CreateSwitchInput => parseInput(createSchema, input);
export const parseActivateInput = (input: unknown): ActivateInput => parseInput(activateSchema, input);
/** Most activations one `activateMany` takes: a storm of a whole fleet's clients, bounded. */
export const MAX_BATCH_ACTIVATIONS = 10_000;

/** Issues of one batch item, renamed `inputs[i].field`, so the caller knows which input is bad. */
function batchItemError(index: number, error: unknown): ValidationError {
  const at = `inputs[${index}]`;
  if (error instanceof ValidationError) {
    return new ValidationError(
      `${at}: ${error.message}`,
      // The item as a whole (`input`) is `inputs[i]` itself.
      error.issues.map((issue) => ({
        field: issue.field === 'input' ? at : `${at}.${issue.field}`,
        message: issue.message,
      })),
    );
  }
  // A getter or Proxy trap of the caller's object threw while it was read.
  const detail = error instanceof Error ? error.message : String(error);
  return new ValidationError(`${at} could not be read: ${detail}`, [{ field: at, message: 'could not be read' }]);
}

/** Each activation of a batch, validated as `activate` would; ids must not repeat. */
export function parseActivateManyInput(input: unknown): ActivateInput[] {
  if (!Array.isArray(input)) {
    throw new ValidationError('inputs must be an array of activations', [
      { field: 'inputs', message: 'must be an array' },
    ]);
  }
  if (input.length > MAX_BATCH_ACTIVATIONS) {
    throw new ValidationError(`inputs must hold at most ${MAX_BATCH_ACTIVATIONS} activations`, [
      { field: 'inputs', message: `at most ${MAX_BATCH_ACTIVATIONS} items` },
    ]);
  }
  const firstIndexOf = new Map<string, number>();
  const parsed: ActivateInput[] = [];
  for (let i = 0; i < input.length; i++) {
    let item: ActivateInput;
    try {
      item = parseActivateInput(input[i]);
    } catch (error) {
      throw batchItemError(i, error);
    }
    const earlier = firstIndexOf.get(item.id);
    if (earlier !== undefined) {
      throw new ValidationError(`inputs[${i}].id repeats inputs[${earlier}].id (${item.id})`, [
        { field: `inputs[${i}].id`, message: `repeats inputs[${earlier}].id` },
      ]);
    }
    firstIndexOf.set(item.id, i);
    parsed.push(item);
  }
  return parsed;
}

export const parseDeactivateInput = (input: unknown): DeactivateInput => parseInput(deactivateSchema, input);
export const parseListActiveFilter = (input: unknown): ListActiveFilter => parseInput(listActiveSchema, input ?? {});
export const parseListFilter = (input: unknown): ListSwitchesFilter => parseInput(listSchema, input ?? {});
export const parseSwitchId = (input: unknown): string => parseInput(switchId, input);

/**
 * The hot path's validation: type checks only, no zod, nothing allocated
 * unless the context is bad. Returns undefined when the context is usable.
 */
export function checkContextIssue(context: CheckContext): ValidationError | undefined {
  if (typeof context !== 'object' || context === null) {
    return new ValidationError('context must be an object { action, platform?, clientId }', [
      { field: 'context', message: 'must be an object' },
    ]);
  }
  if (typeof context.action !== 'string' || context.action.length === 0) {
    return new ValidationError('action must be a non-empty string', [
      { field: 'action', message: 'must be a non-empty string' },
    ]);
  }
  if (typeof context.clientId !== 'string' || context.clientId.length === 0) {
    return new ValidationError('clientId must be a non-empty string', [
      { field: 'clientId', message: 'must be a non-empty string' },
    ]);
  }
  if (context.platform !== undefined && context.platform !== null && typeof context.platform !== 'string') {
    return new ValidationError('platform must be a string when given', [
      { field: 'platform', message: 'must be a string' },
    ]);
  }
  if (context.key !== undefined && typeof context.key !== 'string') {
    return new ValidationError('key must be a string when given', [{ field: 'key', message: 'must be a string' }]);
  }
  return undefined;
}
