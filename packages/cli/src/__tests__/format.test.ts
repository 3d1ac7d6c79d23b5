/**
 * The CLI's formatting and error mapping: aligned tables, times and
 * durations, what a switch blocks in words, redacted URLs, and the exit code
 * and message each kind of error gets.
 */
import { AuditValidationError } from '@rtv/audit';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  OutcomeUnknownError,
  StateUnavailableError,
  ValidationError,
} from '@rtv/policy';
import { describe, expect, it } from 'vitest';
import { errorToExit, redactSecrets, redactUrl } from '../errors-to-exit';
import { ExitCode } from '../exit-codes';
import { paletteFor, visibleLength } from '../format/color';
import { describeBlocked, targetLabel } from '../format/describe-switch';
import { renderTable } from '../format/table';
import { formatDuration, formatRelative, formatTime, parseDuration } from '../format/time';
import { durationOption } from '../options';
import { UsageError } from '../usage-error';

describe('renderTable', () => {
  it('aligns columns under their headers with two spaces between them', () => {
    const text = renderTable(
      [
        { id: 'ks_1', n: 5 },
        { id: 'ks_long_id', n: 120 },
      ],
      [
        { header: 'ID', value: (row) => row.id },
        { header: 'N', value: (row) => String(row.n), alignRight: true },
      ],
    );
    expect(text.split('\n')).toEqual(['ID            N', 'ks_1          5', 'ks_long_id  120']);
  });

  it('cuts long cells and keeps reasons on one line', () => {
    const text = renderTable(
      [{ reason: 'line one\nline two that is long' }],
      [{ header: 'REASON', value: (row) => row.reason, maxWidth: 12 }],
    );
    expect(text.split('\n')[1]).toBe('line one li…');
  });

  it('ignores colour codes when measuring', () => {
    const palette = paletteFor({ isTTY: true }, {});
    const text = renderTable(
      [{ s: palette.red('ACTIVE') }, { s: 'inactive' }],
      [
        { header: 'STATE', value: (row) => row.s },
        { header: 'X', value: () => 'x' },
      ],
    );
    const lines = text.split('\n').map(visibleLength);
    expect(new Set(lines).size).toBe(1);
  });
});

describe('colours', () => {
  it('are off when not a TTY or when NO_COLOR is set', () => {
    expect(paletteFor({ isTTY: false }, {}).red('x')).toBe('x');
    expect(paletteFor({ isTTY: true }, { NO_COLOR: '1' }).red('x')).toBe('x');
    expect(paletteFor({ isTTY: true }, {}).red('x')).not.toBe('x');
  });
});

describe('time', () => {
  const now = Date.parse('2026-01-02T10:00:00Z');
  it('formats instants as ISO plus relative', () => {
    expect(formatTime(new Date(now - 3 * 60_000), now)).toBe('2026-01-02T09:57:00Z (3m ago)');
    expect(formatTime(new Date(now + 30 * 60_000), now)).toBe('2026-01-02T10:30:00Z (in 30m)');
    expect(formatTime(null, now, 'never')).toBe('never');
    expect(formatRelative(new Date(now), now)).toBe('just now');
    // A hold set a moment ago still reads as its full length; the past rounds down.
    expect(formatRelative(new Date(now + 30 * 60_000 - 400), now)).toBe('in 30m');
    expect(formatRelative(new Date(now - 3 * 60_000 - 40_000), now)).toBe('3m ago');
    expect(formatDuration(90 * 60_000)).toBe('1h30m');
    expect(formatDuration(3 * 86_400_000)).toBe('3d');
  });

  it('parses durations and refuses anything else', () => {
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('7d')).toBe(604_800_000);
    for (const bad of ['', '30', 'm', '-5m', '0m', '5 minutes', '1y']) expect(parseDuration(bad)).toBeUndefined();
  });
});

describe('describeBlocked', () => {
  const base = { clientId: null, platform: null } as const;
  it('says what a switch stops, and for whom', () => {
    expect(describeBlocked({ ...base, scope: 'global', targetType: 'all', targetValue: '*' })).toBe(
      'every action on every platform of EVERY client',
    );
    expect(
      describeBlocked({ ...base, scope: 'platform', targetType: 'platform', targetValue: 'meta', clientId: 'c1' }),
    ).toBe('every action on platform meta of client c1');
    expect(
      describeBlocked({ ...base, scope: 'action', targetType: 'action', targetValue: 'publish', platform: 'meta' }),
    ).toBe('action publish on platform meta of EVERY client');
    expect(
      targetLabel({ ...base, scope: 'action', targetType: 'action', targetValue: 'publish', platform: 'meta' }),
    ).toBe('action:publish@meta');
  });
});

describe('redaction', () => {
  it('hides passwords in URLs and in free text', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/ks')).toBe('postgres://app:***@db:5432/ks');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactSecrets('failed to reach postgres://app:s3cret@db:5432/ks now')).toBe(
      'failed to reach postgres://app:***@db:5432/ks now',
    );
  });
});

describe('errorToExit', () => {
  it('maps validation issues to exit 2 naming the command-line option', () => {
    const report = errorToExit(
      new ValidationError('bad', [
        { field: 'reason', message: 'reason must be at least 10 characters' },
        { field: 'targetValue', message: 'targetValue must not be empty' },
      ]),
    );
    expect(report.exitCode).toBe(ExitCode.USAGE);
    expect(report.message).toContain('--reason: reason must be at least 10 characters');
    expect(report.message).toContain('--target-value: targetValue must not be empty');
    expect(report.unexpected).toBe(false);
    const audit = errorToExit(new AuditValidationError('limit', 'Audit query limit must be at most 1000'));
    expect(audit.exitCode).toBe(ExitCode.USAGE);
    expect(audit.message).toContain('--limit');
    expect(errorToExit(new UsageError('--since must be a duration', '--since')).exitCode).toBe(ExitCode.USAGE);
  });

  it('maps each policy error code to its exit code', () => {
    expect(errorToExit(new NotFoundError('Kill switch not found: ks_x')).exitCode).toBe(ExitCode.NOT_FOUND);
    expect(errorToExit(new ForbiddenError('bob may not activate')).exitCode).toBe(ExitCode.FORBIDDEN);
    expect(errorToExit(new ConflictError('exists')).exitCode).toBe(ExitCode.CONFLICT);
    const unavailable = errorToExit(new StateUnavailableError('PostgreSQL did not answer'), {
      database: 'postgres://app:***@db/ks',
    });
    expect(unavailable.exitCode).toBe(ExitCode.UNAVAILABLE);
    expect(unavailable.message).toContain('postgres://app:***@db/ks');
    const unknown = errorToExit(new OutcomeUnknownError('COMMIT got no answer', 'ks_x'));
    expect(unknown.exitCode).toBe(ExitCode.OUTCOME_UNKNOWN);
    expect(unknown.message).toContain('before acting again');
    expect(unknown.unexpected).toBe(false);
  });

  it('treats a raw connection failure as unavailable, and anything else as unexpected', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const wrapped = new Error('Failed query: select 1', { cause: refused });
    const report = errorToExit(wrapped, { database: 'postgres://127.0.0.1:1/x' });
    expect(report.exitCode).toBe(ExitCode.UNAVAILABLE);
    expect(report.message).toContain('ECONNREFUSED');
    expect(report.message).toContain('postgres://127.0.0.1:1/x');
    expect(report.unexpected).toBe(false);
    const noDatabase = errorToExit(
      new Error('Failed query: select 1', {
        cause: Object.assign(new Error('database "ks" does not exist'), { code: '3D000' }),
      }),
    );
    expect(noDatabase.exitCode).toBe(ExitCode.UNAVAILABLE);
    expect(noDatabase.message).toContain('PostgreSQL refused the connection: 3D000: database "ks" does not exist');
    const bug = errorToExit(new TypeError('x is not a function'));
    expect(bug.exitCode).toBe(ExitCode.UNEXPECTED);
    expect(bug.unexpected).toBe(true);
  });
});

describe('durationOption', () => {
  it('names the option when the duration is not one or is absurdly long', () => {
    expect(durationOption('--expires-in', '30m')).toBe(1_800_000);
    expect(durationOption('--expires-in', undefined)).toBeUndefined();
    expect(() => durationOption('--expires-in', 'soon')).toThrow(/--expires-in must be a duration/);
    expect(() => durationOption('--expires-in', '99999999d')).toThrow(/--expires-in must be at most 3650d/);
  });
});
