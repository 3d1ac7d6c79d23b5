/**
 * `rtv-ks` on the embedded data directory of a running service: refused
 * with the "unavailable" exit code and one line naming the owner's pid and
 * the directory, no stack trace, and the service's directory untouched.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DbHandle, killSwitches, migrate } from '@rtv/db';
import { createEmbeddedDb } from '@rtv/db/pglite';
import { runNode } from '@rtv/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../exit-codes';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CLI_SOURCE = fileURLToPath(new URL('../cli.ts', import.meta.url));

let dir: string;
let service: DbHandle;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtv-cli-busy-'));
  // This test process plays the live service that owns the directory.
  service = await createEmbeddedDb(dir);
  await migrate(service.db);
});

afterAll(async () => {
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('rtv-ks on a busy embedded directory', () => {
  it('exits "unavailable" with one line naming the owner, and changes nothing', async () => {
    const { DATABASE_URL: _d, REDIS_URL: _r, ...env } = process.env;
    const run = await runNode(
      [
        '--import',
        'tsx',
        CLI_SOURCE,
        'create',
        '--scope',
        'global',
        '--target-type',
        'all',
        '--target-value',
        '*',
        '--by',
        'alice',
      ],
      { cwd: ROOT, env: { ...env, RTV_DATA_DIR: dir, NO_COLOR: '1', TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json') } },
    );
    expect(run.code).toBe(ExitCode.UNAVAILABLE);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`in use by process ${process.pid}`);
    expect(lines[0]).toContain(dir);
    expect(lines[0]).toContain('DATABASE_URL');
    expect(run.stderr).not.toMatch(/\n\s+at\s/);

    expect(await service.db.select().from(killSwitches)).toEqual([]);
  });
});
