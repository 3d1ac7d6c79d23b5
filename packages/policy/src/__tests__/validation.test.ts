import { describe, expect, it } from 'vitest';
import { isValidationError } from '../errors';
import { checkContextIssue, parseActivateInput, parseCreateInput } from '../validation';

const fieldsOf = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    if (isValidationError(error)) return error.issues.map((i) => i.field);
    throw error;
  }
  throw new Error('expected a ValidationError');
};

describe('write-path validation', () => {
  it('accepts a well-formed create input', () => {
    expect(
      parseCreateInput({
        scope: 'action',
        targetType: 'action',
        targetValue: 'publish',
        platform: 'meta',
        createdBy: 'u',
      }),
    ).toMatchObject({ scope: 'action', platform: 'meta' });
  });

  it('names the field of each scope rule', () => {
    const base = { createdBy: 'u' };
    expect(fieldsOf(() => parseCreateInput({ ...base, scope: 'client', targetType: 'all', targetValue: '*' }))).toEqual(
      ['clientId'],
    );
    expect(
      fieldsOf(() => parseCreateInput({ ...base, scope: 'action', targetType: 'platform', targetValue: 'meta' })),
    ).toEqual(['targetType']);
    expect(
      fieldsOf(() =>
        parseCreateInput({ ...base, scope: 'platform', targetType: 'platform', targetValue: 'meta', platform: 'meta' }),
      ),
    ).toEqual(['platform']);
    expect(
      fieldsOf(() => parseCreateInput({ ...base, scope: 'global', targetType: 'platform', targetValue: '*' })),
    ).toEqual(['targetValue']);
  });

  it('refuses unknown fields, SQL metacharacters in identifiers and prototype keys in metadata', () => {
    expect(
      fieldsOf(() =>
        parseCreateInput({ scope: 'global', targetType: 'all', targetValue: '*', createdBy: 'u', admin: true }),
      ),
    ).toEqual(['input']);
    expect(
      fieldsOf(() =>
        parseCreateInput({
          scope: 'client',
          clientId: "x'; DROP TABLE kill_switches;--",
          targetType: 'all',
          targetValue: '*',
          createdBy: 'u',
        }),
      ),
    ).toEqual(['clientId']);
    const metadata = JSON.parse('{"__proto__": {"polluted": true}}');
    expect(
      fieldsOf(() => parseActivateInput({ id: 'ks_1', reason: 'long enough reason', activatedBy: 'u', metadata })),
    ).toEqual(['metadata']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a 1 MB reason and a reason with control characters', () => {
    expect(fieldsOf(() => parseActivateInput({ id: 'ks_1', reason: 'x'.repeat(1_000_000), activatedBy: 'u' }))).toEqual(
      ['reason'],
    );
    expect(
      fieldsOf(() => parseActivateInput({ id: 'ks_1', reason: 'bell \u0007 in the reason', activatedBy: 'u' })),
    ).toEqual(['reason']);
    expect(parseActivateInput({ id: 'ks_1', reason: 'two\nlines of reason', activatedBy: 'u' }).reason).toContain('\n');
  });
});

describe('check-path validation', () => {
  it('passes a good context and names the bad field otherwise', () => {
    expect(checkContextIssue({ clientId: 'c', action: 'publish' })).toBeUndefined();
    expect(checkContextIssue({ clientId: 'c', action: 'publish', platform: 'meta' })).toBeUndefined();
    expect(checkContextIssue({ clientId: 'c', action: '' })?.issues[0]?.field).toBe('action');
    expect(checkContextIssue({ action: 'a' } as never)?.issues[0]?.field).toBe('clientId');
    expect(checkContextIssue({ clientId: 'c', action: 'a', platform: 3 } as never)?.issues[0]?.field).toBe('platform');
    expect(checkContextIssue(null as never)?.issues[0]?.field).toBe('context');
  });
});
