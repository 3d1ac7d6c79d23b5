/**
 * The hash chain is only as stable as its encoding: these pin the bytes and
 * check they survive what jsonb does to a value (key order, number form).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../canonical-json';

/** A number in plain decimal, as PostgreSQL's numeric prints it: 1e21 -> 1000000000000000000000, 1e-7 -> 0.0000001. */
function plainDecimal(n: number): string {
  const [mantissa = '', exponentText = '0'] = JSON.stringify(n).split('e');
  const negative = mantissa.startsWith('-');
  const [whole = '', fraction = ''] = mantissa.replace('-', '').split('.');
  const exponent = Number(exponentText);
  const digits = whole + fraction;
  const point = whole.length + exponent;
  let text: string;
  if (point <= 0) text = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) text = digits + '0'.repeat(point - digits.length);
  else text = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (negative ? '-' : '') + text;
}

/** What a jsonb round trip can do to a value: keys reordered (shorter first), numbers re-printed. */
function jsonbText(value: unknown): string {
  if (typeof value === 'number') return plainDecimal(value);
  if (Array.isArray(value)) return `[${value.map(jsonbText).join(', ')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
    return `{${keys.map((k) => `${JSON.stringify(k)}: ${jsonbText((value as Record<string, unknown>)[k])}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}
const jsonbLike = (value: unknown): unknown => JSON.parse(jsonbText(value));

describe('canonicalJson', () => {
  it('sorts keys at every level and keeps array order', () => {
    const a = { b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } };
    const b = { a: { c: null, d: [3, { y: 2, z: 1 }] }, b: 1 };
    expect(canonicalJson(a)).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson(b)).toBe(canonicalJson(a));
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });

  it('gives numbers one form: 1.0 is 1, 1e21 stays 1e+21 after a decimal round trip, -0 is 0', () => {
    expect(canonicalJson({ n: 1.0 })).toBe('{"n":1}');
    expect(canonicalJson(JSON.parse('{"n":1.0}'))).toBe('{"n":1}');
    expect(canonicalJson({ n: 1e21 })).toBe('{"n":1e+21}');
    expect(canonicalJson(JSON.parse('{"n":1000000000000000000000}'))).toBe('{"n":1e+21}');
    expect(canonicalJson({ n: -0 })).toBe('{"n":0}');
    expect(canonicalJson({ n: 0.1 + 0.2 })).toBe('{"n":0.30000000000000004}');
  });

  it('keeps unicode as the same bytes, whatever escapes were used on the way in', () => {
    const value = { clé: 'über ✓ 😀', ключ: '日本語', escaped: JSON.parse('"\\u00e9\\ud83d\\ude00"') };
    expect(canonicalJson(value)).toBe('{"clé":"über ✓ 😀","escaped":"é😀","ключ":"日本語"}');
    expect(canonicalJson(jsonbLike(value))).toBe(canonicalJson(value));
  });

  it('keeps a __proto__ key as data', () => {
    const parsed = JSON.parse('{"__proto__":{"polluted":true},"a":1}');
    expect(canonicalJson(parsed)).toBe('{"__proto__":{"polluted":true},"a":1}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses values JSON cannot carry', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(TypeError);
    expect(() => canonicalJson({ b: 1n })).toThrow(TypeError);
  });

  it('is the same for any JSON value after a jsonb-like round trip (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const first = canonicalJson(value);
        expect(canonicalJson(jsonbLike(value))).toBe(first);
        expect(canonicalJson(JSON.parse(first))).toBe(first);
      }),
      { numRuns: 300 },
    );
  });
});

describe('plainDecimal (the test helper itself)', () => {
  it('expands exponents', () => {
    expect(plainDecimal(1e21)).toBe('1000000000000000000000');
    expect(plainDecimal(1.5e-7)).toBe('0.00000015');
    expect(plainDecimal(-2.5e22)).toBe('-25000000000000000000000');
    expect(plainDecimal(12.5)).toBe('12.5');
  });
});
