/**
 * The options of modes and gradual restart: `activate --mode reduce --allow delete,unpublish`,
 * `--mode throttle --fraction 0.5`, `deactivate --restart 0.5,0.75,1 --every 30s`. Each bad value
 * is a `UsageError` naming the option, raised before anything is touched.
 */
import { killSwitchModes } from '@rtv/db';
import type { KillSwitchMode, RestartInput } from '@rtv/policy';
import { durationOption } from './options';
import { UsageError } from './usage-error';

export interface ModeOptions {
  mode?: string;
  allow?: string;
  fraction?: string;
}

/** A number from 0 to 1, as typed. */
function shareOf(option: string, text: string): number {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new UsageError(`${option} takes fractions from 0 to 1, e.g. 0.5 (got "${text}")`, option);
  }
  return value;
}

/** What `activate` passes to the service: the mode and its settings, or nothing for a plain halt. */
export function modeOptions(options: ModeOptions): {
  mode?: KillSwitchMode;
  allowActions?: string[];
  fraction?: number;
} {
  const mode = options.mode ?? 'halt';
  if (!(killSwitchModes as readonly string[]).includes(mode)) {
    throw new UsageError(`--mode must be one of ${killSwitchModes.join(', ')} (got "${mode}")`, '--mode');
  }
  if (options.allow !== undefined && mode !== 'reduce')
    throw new UsageError('--allow goes with --mode reduce', '--allow');
  if (options.fraction !== undefined && mode !== 'throttle') {
    throw new UsageError('--fraction goes with --mode throttle', '--fraction');
  }
  if (mode === 'throttle' && options.fraction === undefined) {
    throw new UsageError('--mode throttle needs --fraction, e.g. --fraction 0.5', '--fraction');
  }
  const allowActions = options.allow?.split(',').map((action) => action.trim());
  if (allowActions?.some((action) => action === '')) {
    throw new UsageError(`--allow takes action names separated by commas (got "${options.allow}")`, '--allow');
  }
  return {
    ...(mode === 'halt' ? {} : { mode: mode as KillSwitchMode }),
    ...(allowActions ? { allowActions } : {}),
    ...(options.fraction === undefined ? {} : { fraction: shareOf('--fraction', options.fraction) }),
  };
}

/** `--restart 0.5,0.75,1 --every 30s`: rising fractions ending with 1, a step every so often. */
export function restartOptions(restart: string | undefined, every: string | undefined): RestartInput | undefined {
  if (restart === undefined) {
    if (every !== undefined) throw new UsageError('--every goes with --restart', '--every');
    return undefined;
  }
  const steps = restart.split(',').map((step) => shareOf('--restart', step));
  if (steps.some((step, i) => step <= 0 || (i > 0 && step <= (steps[i - 1] as number))) || steps.at(-1) !== 1) {
    throw new UsageError(
      `--restart takes rising fractions above 0 ending with 1, e.g. 0.5,0.75,1 (got "${restart}")`,
      '--restart',
    );
  }
  const everyMs = durationOption('--every', every);
  if (everyMs === undefined) throw new UsageError('--restart needs --every, e.g. --every 30s', '--every');
  if (everyMs < 1000) throw new UsageError(`--every must be at least 1s (got "${every}")`, '--every');
  return { steps, everyMs };
}
