/**
 * `runCli` in-process on the embedded database (a fresh RTV_DATA_DIR): the
 * first-use note, the interactive confirmation (yes proceeds, anything else
 * aborts with exit 8 and changes nothing) and the refusal without a terminal.
 */
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../exit-codes';
import { runCli } from '../program';
import { useEmbeddedCli } from './embedded-cli';

const { io, cli, dataDir } = useEmbeddedCli();

describe('runCli on the embedded database', () => {
  let id = '';

  it('announces the embedded database on first use and creates a switch', async () => {
    const run = await cli(['create', '--scope', 'client', '--client', 'client_a', '--json']);
    expect(run.code).toBe(ExitCode.OK);
    expect(run.stderr()).toContain(`using the embedded database at ${dataDir()}`);
    id = (JSON.parse(run.stdout()) as { id: string }).id;
    const again = await cli(['status']);
    expect(again.stderr()).toBe('');
    expect(again.stdout()).toContain('No active kill switches');
  }, 30_000);

  it('shows what will be blocked and aborts with exit 8 when the answer is not yes', async () => {
    const run = await cli(['activate', id, '--reason', 'client_a is misbehaving'], 'n');
    expect(run.code).toBe(ExitCode.ABORTED);
    expect(run.stderr()).toContain('This will BLOCK: every action on every platform of client client_a');
    expect(run.stderr()).toContain('Nothing was changed');
    const status = await cli(['status', '--json']);
    expect(JSON.parse(status.stdout()).active).toEqual([]);
  }, 30_000);

  it('activates when the operator answers yes', async () => {
    const run = await cli(['activate', id, '--reason', 'client_a is misbehaving'], 'y');
    expect(run.code).toBe(ExitCode.OK);
    expect(run.stdout()).toContain(`ACTIVATED ${id}`);
    const status = await cli(['status', '--json']);
    expect((JSON.parse(status.stdout()).active as { id: string }[]).map((row) => row.id)).toEqual([id]);
  }, 30_000);

  it('refuses without --yes when stdin is not a terminal, before touching anything', async () => {
    const run = await cli(['deactivate', id, '--reason', 'client_a is fine again']);
    expect(run.code).toBe(ExitCode.USAGE);
    expect(run.stderr()).toContain('Re-run with --yes');
    const status = await cli(['status', '--json']);
    expect(JSON.parse(status.stdout()).active).toHaveLength(1);
  }, 30_000);

  it('rejects a malformed DATABASE_URL as a usage error without echoing it', async () => {
    const session = io();
    session.io.env.DATABASE_URL = 'postgres//ops:hunter2@db';
    const code = await runCli(['node', 'rtv-ks', 'status'], session.io);
    expect(code).toBe(ExitCode.USAGE);
    expect(session.stderr()).toContain('DATABASE_URL is not a valid URL');
    expect(session.stderr()).not.toContain('hunter2');
  });

  it('rejects a bad duration naming the option', async () => {
    const run = await cli(['activate', id, '--reason', 'client_a is misbehaving', '--expires-in', 'soon', '--yes']);
    expect(run.code).toBe(ExitCode.USAGE);
    expect(run.stderr()).toContain('--expires-in must be a duration');
  });

  it('refuses --timeout without --wait, naming it', async () => {
    const run = await cli(['deactivate', id, '--reason', 'client_a is fine again', '--yes', '--timeout', '1s']);
    expect(run.code).toBe(ExitCode.USAGE);
    expect(run.stderr()).toContain('--timeout goes with --wait');
  });

  it('says no instance is registered when no service runs, and the receipt says so too', async () => {
    const fleet = await cli(['fleet']);
    expect(fleet.code).toBe(ExitCode.OK);
    expect(fleet.stdout()).toContain('No service instance is registered');
    const run = await cli(['deactivate', id, '--reason', 'client_a is fine again', '--yes', '--wait', '--json']);
    expect(run.code).toBe(ExitCode.OK);
    expect(JSON.parse(run.stdout()).receipt).toMatchObject({ expected: 0, applied: 0, complete: true });
    const history = await cli(['history', id]);
    expect(history.stdout()).toContain('Receipts (did every live instance apply it, and how fast):');
    expect(history.stdout()).toMatch(/deactivate\s+\d+\s+0\/0/);
  }, 30_000);

  it('refuses a switch on the reserved drill action, and runs a drill that records time-to-halt', async () => {
    const refused = await cli(['create', '--scope', 'action', '--target-value', '__rtv_drill__']);
    expect(refused.code).toBe(ExitCode.USAGE);
    expect(refused.stderr()).toContain('reserved for drills');
    const drill = await cli(['drill', '--json']);
    expect(drill.code).toBe(ExitCode.OK);
    const result = JSON.parse(drill.stdout()) as { drillId: string; complete: boolean };
    expect(result.complete).toBe(true);
    const audit = await cli(['audit', '--type', 'KILL_SWITCH_DRILL', '--json']);
    expect(audit.stdout()).toContain(result.drillId);
  }, 30_000);
});
