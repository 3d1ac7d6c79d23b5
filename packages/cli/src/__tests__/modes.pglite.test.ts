/**
 * Modes and gradual restart from the command line, in-process on the embedded database:
 * `activate --mode reduce --allow ...`, `--mode throttle --fraction ...`, `deactivate --restart
 * ... --every ...`, and each bad value a usage error naming its option that changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../exit-codes';
import { useEmbeddedCli } from './embedded-cli';

const { cli } = useEmbeddedCli();

interface SwitchJson {
  switch: { id: string; isActive: boolean; mode: string; allowActions: string[] | null; fraction: number | null };
}
const switchOf = (run: { stdout: () => string }) => (JSON.parse(run.stdout()) as SwitchJson).switch;

describe('modes and restart on the command line', () => {
  let id = '';

  it('activates in reduce mode with the actions let through', async () => {
    const created = await cli([
      'create',
      '--scope',
      'platform',
      '--target-type',
      'platform',
      '--target-value',
      'meta',
      '--json',
    ]);
    expect(created.code, created.stderr()).toBe(ExitCode.OK);
    id = (JSON.parse(created.stdout()) as { id: string }).id;
    const run = await cli([
      'activate',
      id,
      '--reason',
      'meta publishing misbehaves',
      '--mode',
      'reduce',
      '--allow',
      'delete,unpublish',
      '--yes',
      '--json',
    ]);
    expect(run.code, run.stderr()).toBe(ExitCode.OK);
    expect(switchOf(run)).toMatchObject({ isActive: true, mode: 'reduce', allowActions: ['delete', 'unpublish'] });
  }, 30_000);

  it('switches to a throttle at a fraction', async () => {
    const run = await cli([
      'activate',
      id,
      '--reason',
      'capping meta at half',
      '--mode',
      'throttle',
      '--fraction',
      '0.5',
      '--yes',
      '--json',
    ]);
    expect(run.code, run.stderr()).toBe(ExitCode.OK);
    expect(switchOf(run)).toMatchObject({ mode: 'throttle', fraction: 0.5, allowActions: null });
    expect((await cli(['status'])).stdout()).toMatch(/\sthrottle 50%\s/);
  });

  it('refuses bad mode values naming the option, changing nothing', async () => {
    const bad: [string[], string][] = [
      [['--mode', 'pause'], '--mode must be one of halt, reduce, throttle'],
      [['--mode', 'throttle'], '--mode throttle needs --fraction'],
      [['--mode', 'throttle', '--fraction', '1.5'], '--fraction takes fractions from 0 to 1'],
      [['--mode', 'throttle', '--fraction', 'half'], '--fraction takes fractions from 0 to 1'],
      [['--allow', 'delete'], '--allow goes with --mode reduce'],
      [['--mode', 'reduce', '--allow', 'delete,,x'], '--allow takes action names'],
    ];
    for (const [args, message] of bad) {
      const run = await cli(['activate', id, '--reason', 'this must not apply', ...args, '--yes']);
      expect(run.code, args.join(' ')).toBe(ExitCode.USAGE);
      expect(run.stderr()).toContain(message);
    }
    const unchanged = await cli([
      'activate',
      id,
      '--reason',
      'capping meta at half',
      '--mode',
      'throttle',
      '--fraction',
      '0.5',
      '--yes',
      '--json',
    ]);
    expect(JSON.parse(unchanged.stdout())).toMatchObject({ changed: false });
  });

  it('refuses bad restart values naming the option, then restarts gradually', async () => {
    const bad: [string[], string][] = [
      [['--restart', '0.5,0.4,1', '--every', '30s'], '--restart takes rising fractions'],
      [['--restart', '0.5,0.75', '--every', '30s'], '--restart takes rising fractions'],
      [['--restart', '0.5,x,1', '--every', '30s'], '--restart takes fractions from 0 to 1'],
      [['--restart', '0.5,1'], '--restart needs --every'],
      [['--every', '30s'], '--every goes with --restart'],
      [['--restart', '0.5,1', '--every', 'soon'], '--every must be a duration'],
    ];
    for (const [args, message] of bad) {
      const run = await cli(['deactivate', id, '--reason', 'this must not apply', ...args, '--yes']);
      expect(run.code, args.join(' ')).toBe(ExitCode.USAGE);
      expect(run.stderr()).toContain(message);
    }
    const run = await cli([
      'deactivate',
      id,
      '--reason',
      'meta is fine again',
      '--restart',
      '0.5,0.75,1',
      '--every',
      '30s',
      '--yes',
      '--json',
    ]);
    expect(run.code, run.stderr()).toBe(ExitCode.OK);
    expect(JSON.parse(run.stdout())).toMatchObject({
      changed: true,
      switch: { isActive: true, mode: 'throttle', restart: { steps: [0.5, 0.75, 1], everyMs: 30_000 } },
    });
    expect((await cli(['status'])).stdout()).toMatch(/\srestart 50>75>100%\s/);
  });
});
