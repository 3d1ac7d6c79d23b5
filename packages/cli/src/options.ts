/**
 * Option parsing shared by several commands: who is acting (--by or
 * RTV_ACTOR), durations (--expires-in, --since), enum filters. Each failure
 * is a `UsageError` naming the option, raised before anything is touched.
 */
import { killSwitchScopes, killSwitchTargetTypes } from '@rtv/db';
import type { KillSwitchScope, KillSwitchTargetType } from '@rtv/policy';
import { parseDuration } from './format/time';
import { TOKEN_ACTOR } from './token-identity';
import { UsageError } from './usage-error';

export function resolveActor(by: string | undefined, env: NodeJS.ProcessEnv): string {
  if (env.RTV_TOKEN?.trim()) {
    if (by?.trim()) throw new UsageError('--by cannot be used with RTV_TOKEN: the token says who acts', '--by');
    return TOKEN_ACTOR;
  }
  const actor = by?.trim() || env.RTV_ACTOR?.trim();
  if (!actor) {
    throw new UsageError(
      '--by is required: say who is acting (e.g. --by alice@example.com), or set RTV_ACTOR for the session',
      '--by',
    );
  }
  return actor;
}

/** Ten years: beyond that a date stops being a hold and starts overflowing `Date`. */
export const MAX_DURATION_MS = 3650 * 86_400_000;

export function durationOption(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) {
    throw new UsageError(`${option} must be a duration such as 30m, 2h, 1h30m or 7d (got "${text}")`, option);
  }
  if (ms > MAX_DURATION_MS) throw new UsageError(`${option} must be at most 3650d (got "${text}")`, option);
  return ms;
}

export function scopeOption(text: string | undefined): KillSwitchScope | undefined {
  if (text === undefined) return undefined;
  if ((killSwitchScopes as readonly string[]).includes(text)) return text as KillSwitchScope;
  throw new UsageError(`--scope must be one of ${killSwitchScopes.join(', ')} (got "${text}")`, '--scope');
}

export function targetTypeOption(text: string | undefined): KillSwitchTargetType | undefined {
  if (text === undefined) return undefined;
  if ((killSwitchTargetTypes as readonly string[]).includes(text)) return text as KillSwitchTargetType;
  throw new UsageError(
    `--target-type must be one of ${killSwitchTargetTypes.join(', ')} (got "${text}")`,
    '--target-type',
  );
}

export function limitOption(text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new UsageError(`--limit must be a whole number from 1 to ${max} (got "${text}")`, '--limit');
  }
  return value;
}

/** How long `--wait` (and every receipt of the command) gathers confirmations: --timeout, 10s by default, at most an hour. */
export function waitTimeoutOption(options: { wait?: boolean; timeout?: string }): number {
  if (options.timeout !== undefined && !options.wait) {
    throw new UsageError('--timeout goes with --wait (how long to wait for every instance)', '--timeout');
  }
  const ms = durationOption('--timeout', options.timeout) ?? (options.wait ? 10_000 : 5_000);
  if (ms < 1 || ms > 3_600_000)
    throw new UsageError(`--timeout must be from 1ms to 1h (got "${options.timeout}")`, '--timeout');
  return ms;
}
