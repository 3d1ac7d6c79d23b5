/**
 * Checks an event before anything is written: zod for the shape and sizes,
 * a JSON-safety walk for metadata, so what is hashed is exactly what jsonb stores.
 */
import { z } from 'zod';
import { canonicalJson } from './canonical-json';
import { AuditValidationError } from './errors';
import type { AuditEventInput } from './ports';

/** Column sizes of `audit_events` (characters) and the metadata budget (UTF-8 bytes of its encoding). */
export const AUDIT_LIMITS = {
  type: 100,
  actor: 200,
  target: 200,
  clientId: 100,
  metadataBytes: 64 * 1024,
  metadataDepth: 64,
} as const;

/** An event that passed validation: metadata is a JSON-safe deep copy, time is fixed. */
export interface ValidAuditEvent {
  type: string;
  actor: string;
  target: string | null;
  clientId: string | null;
  metadata: Record<string, unknown>;
  occurredAt: Date;
}

// PostgreSQL refuses NUL in text and jsonb, and lone surrogates in jsonb.
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what must be refused.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

/** Whether PostgreSQL can store `text` in text and jsonb columns: no NUL, no unpaired surrogate. */
export const isStorableText = (text: string): boolean => !UNSTORABLE.test(text);

/** `text` with each NUL or unpaired surrogate written as `\u{XXXX}`, so a record can still say what was sent. */
export const encodeUnstorable = (text: string): string =>
  text.replace(UNSTORABLE_ALL, (char) => `\\u{${(char.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}}`);

/** Length in characters (code points), as PostgreSQL's varchar counts them. */
const codePoints = (value: string): number => {
  let count = 0;
  for (const _ of value) count++;
  return count;
};

const text = (max: number, required: boolean) =>
  z
    .string({ required_error: 'is required', invalid_type_error: 'must be a string' })
    .refine((value) => !required || /\S/.test(value), { message: 'must not be empty' })
    .refine((value) => required || value.length > 0, { message: 'must not be empty (use null instead)' })
    .refine((value) => codePoints(value) <= max, { message: `must be at most ${max} characters` })
    .refine((value) => !UNSTORABLE.test(value), { message: 'must not contain NUL or unpaired surrogates' });

const eventSchema = z.object({
  type: text(AUDIT_LIMITS.type, true),
  actor: text(AUDIT_LIMITS.actor, true),
  target: text(AUDIT_LIMITS.target, false).nullish(),
  clientId: text(AUDIT_LIMITS.clientId, false).nullish(),
  // Checked by `jsonSafeCopy` below: zod's record parsing would assign a
  // `__proto__` key through the setter.
  metadata: z.unknown(),
  occurredAt: z
    .date({ invalid_type_error: 'must be a valid Date' })
    // Beyond these years the ISO form (and so the hash) does not survive a timestamptz round trip.
    .refine((date) => date.getUTCFullYear() >= 1 && date.getUTCFullYear() <= 9999, {
      message: 'must be between the years 1 and 9999',
    })
    .optional(),
});

/**
 * Validates and normalises an event; throws `AuditValidationError` naming
 * the first bad field. `now` supplies `occurredAt` when the event has none.
 */
export function validateAuditEvent(input: AuditEventInput, now: () => number): ValidAuditEvent {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new AuditValidationError('event', 'Audit event must be an object with type and actor');
  }
  const parsed = eventSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'event';
    throw new AuditValidationError(field, `Audit event ${field} ${issue?.message ?? 'is invalid'}`);
  }
  const event = parsed.data;
  const metadata = event.metadata === undefined ? {} : jsonSafeCopy(event.metadata, 'metadata');
  if (!isPlainObject(metadata)) {
    throw new AuditValidationError('metadata', 'Audit event metadata must be a plain object');
  }
  const bytes = Buffer.byteLength(canonicalJson(metadata), 'utf8');
  if (bytes > AUDIT_LIMITS.metadataBytes) {
    throw new AuditValidationError(
      'metadata',
      `Audit event metadata is ${bytes} bytes encoded; at most ${AUDIT_LIMITS.metadataBytes} are allowed`,
    );
  }
  return {
    type: event.type,
    actor: event.actor,
    target: event.target ?? null,
    clientId: event.clientId ?? null,
    metadata: metadata as Record<string, unknown>,
    occurredAt: new Date((event.occurredAt ?? new Date(now())).getTime()),
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

const fail = (field: string, problem: string): never => {
  throw new AuditValidationError(field, `Audit event ${field} ${problem}`);
};

/**
 * A deep copy holding only what JSON can carry, or an error naming the path
 * of the first value it cannot: functions, symbols, BigInts, non-finite
 * numbers, cycles, class instances (Date, Map, ...) and unstorable strings.
 * Undefined object properties are dropped, as JSON.stringify drops them.
 * Keys such as `__proto__` become own data properties, never prototypes.
 */
export function jsonSafeCopy(value: unknown, path: string, ancestors: object[] = []): unknown {
  switch (typeof value) {
    case 'string':
      if (UNSTORABLE.test(value)) fail(path, 'must not contain NUL or unpaired surrogates');
      return value;
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) fail(path, `must be a finite number (got ${value})`);
      return value === 0 ? 0 : value; // -0 has no JSON form of its own
    case 'bigint':
      return fail(path, 'is a BigInt, which JSON cannot carry; convert it to a string');
    case 'function':
      return fail(path, 'is a function, which JSON cannot carry');
    case 'symbol':
      return fail(path, 'is a symbol, which JSON cannot carry');
    case 'undefined':
      return fail(path, 'is undefined, which JSON cannot carry in an array');
  }
  if (value === null) return null;
  const object = value as object;
  if (ancestors.includes(object)) fail(path, 'contains a cycle');
  if (ancestors.length >= AUDIT_LIMITS.metadataDepth) {
    fail(path, `is nested deeper than ${AUDIT_LIMITS.metadataDepth} levels`);
  }
  const inner = [...ancestors, object];
  if (Array.isArray(object)) {
    const copy: unknown[] = [];
    for (let index = 0; index < object.length; index++) {
      copy.push(jsonSafeCopy(object[index], `${path}[${index}]`, inner));
    }
    return copy;
  }
  if (!isPlainObject(object)) {
    const kind = (object as { constructor?: { name?: unknown } }).constructor?.name;
    return fail(path, `is a ${typeof kind === 'string' ? kind : 'non-plain object'}, not a plain object`);
  }
  if (Object.getOwnPropertySymbols(object).length > 0) fail(path, 'has symbol keys, which JSON cannot carry');
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(object)) {
    const childPath = `${path}.${key}`;
    if (UNSTORABLE.test(key)) fail(childPath, 'key must not contain NUL or unpaired surrogates');
    const item = (object as Record<string, unknown>)[key];
    if (item === undefined) continue;
    // defineProperty, not assignment: `copy.__proto__ = x` would set the prototype.
    Object.defineProperty(copy, key, {
      value: jsonSafeCopy(item, childPath, inner),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}
