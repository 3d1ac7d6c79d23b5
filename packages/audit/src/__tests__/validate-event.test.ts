/**
 * Bad events get an AuditValidationError naming the field, and nothing is
 * recorded; metadata that cannot round-trip through JSON is refused.
 */
import { describe, expect, it } from 'vitest';
import { AuditValidationError, isAuditValidationError } from '../errors';
import { createMemoryAuditEmitter } from '../memory-emitter';
import type { AuditEventInput } from '../ports';

const good: AuditEventInput = { type: 'KILL_SWITCH_ACTIVATED', actor: 'alice', target: 'ks_1', metadata: {} };

function cyclic(): Record<string, unknown> {
  const inner: Record<string, unknown> = { name: 'inner' };
  inner.self = { back: inner };
  return { inner };
}

const cases: Array<[string, Record<string, unknown>, string]> = [
  ['missing type', { type: undefined }, 'type'],
  ['empty type', { type: '' }, 'type'],
  ['blank type', { type: '   ' }, 'type'],
  ['non-string type', { type: 42 }, 'type'],
  ['missing actor', { actor: undefined }, 'actor'],
  ['empty actor', { actor: '' }, 'actor'],
  ['type over 100 characters', { type: 'T'.repeat(101) }, 'type'],
  ['actor over 200 characters', { actor: 'a'.repeat(201) }, 'actor'],
  ['target over 200 characters', { target: 't'.repeat(201) }, 'target'],
  ['clientId over 100 characters', { clientId: 'c'.repeat(101) }, 'clientId'],
  ['empty clientId', { clientId: '' }, 'clientId'],
  ['NUL in actor', { actor: 'al\u0000ice' }, 'actor'],
  ['invalid occurredAt', { occurredAt: new Date('nope') }, 'occurredAt'],
  ['occurredAt past year 9999', { occurredAt: new Date(Date.UTC(10000, 0, 1)) }, 'occurredAt'],
  ['occurredAt as a string', { occurredAt: '2025-01-01T00:00:00Z' }, 'occurredAt'],
  ['a function in metadata', { metadata: { nested: { fn: () => 1 } } }, 'metadata.nested.fn'],
  ['a BigInt in metadata', { metadata: { amount: 10n } }, 'metadata.amount'],
  ['a cycle in metadata', { metadata: cyclic() }, 'metadata.inner.self.back'],
  ['a Date in metadata', { metadata: { at: new Date() } }, 'metadata.at'],
  ['a Map in metadata', { metadata: { m: new Map() } }, 'metadata.m'],
  ['a class instance as metadata', { metadata: new (class Thing {})() }, 'metadata'],
  ['an array as metadata', { metadata: [1, 2] }, 'metadata'],
  ['NaN in metadata', { metadata: { list: [1, Number.NaN] } }, 'metadata.list[1]'],
  ['Infinity in metadata', { metadata: { x: Number.POSITIVE_INFINITY } }, 'metadata.x'],
  ['undefined in a metadata array', { metadata: { list: [undefined] } }, 'metadata.list[0]'],
  ['a lone surrogate in metadata', { metadata: { s: '\ud800' } }, 'metadata.s'],
  ['a symbol in metadata', { metadata: { s: Symbol('x') } }, 'metadata.s'],
  ['metadata over 64 KiB encoded', { metadata: { blob: 'x'.repeat(64 * 1024) } }, 'metadata'],
];

describe('event validation', () => {
  it.each(cases)('refuses %s, naming %s, and records nothing', async (_label, patch, field) => {
    const emitter = createMemoryAuditEmitter();
    const error = await emitter.emit({ ...good, ...patch } as AuditEventInput).catch((e: unknown) => e);
    expect(isAuditValidationError(error)).toBe(true);
    expect(error).toBeInstanceOf(AuditValidationError);
    const validation = error as AuditValidationError;
    expect(validation.code).toBe('VALIDATION_ERROR');
    expect(validation.field).toBe(field);
    expect(validation.message).toContain(field);
    expect(emitter.records()).toHaveLength(0);
  });

  it('accepts the limits exactly, counting characters not UTF-16 units', async () => {
    const emitter = createMemoryAuditEmitter();
    const record = await emitter.emit({
      type: 'T'.repeat(100),
      actor: '😀'.repeat(200),
      target: 't'.repeat(200),
      clientId: 'c'.repeat(100),
      metadata: { blob: 'x'.repeat(64 * 1024 - 20) },
    });
    expect(record.seq).toBe(1);
  });

  it('refuses a non-object event', async () => {
    const emitter = createMemoryAuditEmitter();
    const error = await emitter.emit(null as unknown as AuditEventInput).catch((e: unknown) => e);
    expect(isAuditValidationError(error) && error.field).toBe('event');
  });

  it('keeps __proto__ and constructor keys as data without polluting prototypes', async () => {
    const emitter = createMemoryAuditEmitter();
    const metadata = JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}');
    const record = await emitter.emit({ ...good, metadata });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(record.metadata)).toBe(Object.prototype);
    expect(Object.keys(record.metadata).sort()).toEqual(['__proto__', 'constructor']);
    expect((record.metadata as Record<string, unknown>).polluted).toBeUndefined();
    const [kept] = emitter.records();
    expect(Object.keys(kept?.metadata ?? {})).toContain('__proto__');
  });

  it('drops undefined metadata properties, as JSON does, and accepts shared (non-cyclic) references', async () => {
    const emitter = createMemoryAuditEmitter();
    const shared = { a: 1 };
    const record = await emitter.emit({ ...good, metadata: { gone: undefined, left: shared, right: shared } });
    expect(record.metadata).toEqual({ left: { a: 1 }, right: { a: 1 } });
    expect(Object.keys(record.metadata)).not.toContain('gone');
  });

  it('the guard tells audit validation errors from others', () => {
    expect(isAuditValidationError(new AuditValidationError('type', 'x'))).toBe(true);
    expect(isAuditValidationError(new Error('x'))).toBe(false);
    expect(isAuditValidationError({ code: 'VALIDATION_ERROR' })).toBe(false);
  });
});
