/**
 * Hostile arguments to the operator CLI (`rtv-ks`), property-based with few
 * runs (each spawns a process): every bad argument exits with code 2 (usage
 * or validation), prints no stack trace, and changes nothing in PostgreSQL.
 * Runs the built binary (packages/cli/dist/cli.js) when it is newer than the
 * sources it is built from, else the same entry from source through tsx.
 */

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AuditEmitter, createAuditEmitter } from '@rtv/audit';
import { auditEvents, killSwitchHistory, killSwitches } from '@rtv/db';
import { type KillSwitch, type KillSwitchService, createKillSwitchService } from '@rtv/policy';
import { type NodeRun, type TestDatabase, createTestDatabase, runNode, uniqueKeyPrefix } from '@rtv/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const RUNS = 6;
const ADMIN = 'user_admin_001';
const REASON = 'API instability on the platform';

/** The database the CLI runs on, and a service on it to set up and read back switches. */
interface Setup {
  database: TestDatabase;
  keyPrefix: string;
  audit: AuditEmitter;
  service: KillSwitchService;
}
let h: Setup;
let inactive: KillSwitch;
let active: KillSwitch;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** `node dist/cli.js` when every package it loads is built from the current sources; else the source entry. */
function cliCommand(): { args: string[]; built: boolean } {
  const packages = ['cli', 'policy', 'audit', 'db'];
  const built = packages.every((pkg) => {
    const dist = join(ROOT, 'packages', pkg, 'dist');
    return existsSync(dist) && newestMtime(dist) >= newestMtime(join(ROOT, 'packages', pkg, 'src'));
  });
  return built
    ? { args: [join(ROOT, 'packages/cli/dist/cli.js')], built }
    : { args: ['--import', 'tsx', join(ROOT, 'packages/cli/src/cli.ts')], built };
}

function runCli(args: string[]): Promise<NodeRun> {
  return runNode([...cliCommand().args, ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json'),
      DATABASE_URL: h.database.url,
      RTV_KEY_PREFIX: h.keyPrefix,
      NO_COLOR: '1',
    },
  });
}

async function tableCounts() {
  const { db } = h.database;
  return {
    switches: await db.$count(killSwitches),
    history: await db.$count(killSwitchHistory),
    audit: await db.$count(auditEvents),
  };
}

const STACK_LINE = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m;

async function expectUsageError(args: string[]): Promise<void> {
  const run = await runCli(args);
  const shown = args.map((a) => (a.length > 60 ? `${a.slice(0, 60)}...(${a.length})` : a)).join(' ');
  if (run.code !== 2 || STACK_LINE.test(run.stderr)) {
    throw new Error(
      `rtv-ks ${shown}: exit ${run.code}, stderr:\n${run.stderr.slice(0, 2000)}\nstdout:\n${run.stdout.slice(0, 2000)}`,
    );
  }
}

beforeAll(async () => {
  const database = await createTestDatabase('postgres');
  const audit = createAuditEmitter({ db: database.db });
  // No Redis: the CLI under test runs without REDIS_URL, so both sides meet in PostgreSQL.
  const keyPrefix = uniqueKeyPrefix();
  const service = createKillSwitchService({ db: database.db, audit, keyPrefix, sweepIntervalMs: 0 });
  h = { database, keyPrefix, audit, service };
  inactive = await service.create({ scope: 'action', targetType: 'action', targetValue: 'cli_a', createdBy: ADMIN });
  active = await service.create({ scope: 'action', targetType: 'action', targetValue: 'cli_b', createdBy: ADMIN });
  await service.activate({ id: active.id, reason: REASON, activatedBy: ADMIN });
  // Its fleet receipt lands in the audit trail after the write: before any test counts rows.
  await service.fleet.awaitReceipt();
}, 60_000);
afterAll(async () => {
  await h?.service.close();
  await h?.audit.close();
  await h?.database.close();
});

// Process arguments cannot hold NUL, and one argument is at most 128 KiB on Linux: 100 KB stands in for "huge".
const HUGE = 100_000;
const huge = fc.constantFrom('a'.repeat(HUGE), '€'.repeat(HUGE / 3), "'".repeat(HUGE));
const SQL = ["'; DROP TABLE kill_switches; --", "1' OR '1'='1", '$$; DELETE FROM audit_events; $$'];
const weird = fc.constantFrom(...SQL, '__proto__', 'constructor', 'é€😀', 'a b', '"quoted"', '');
const badIdentifier = fc.oneof(
  weird.filter((s) => s !== '__proto__' && s !== 'constructor'),
  huge,
);
const controlChar = fc.integer({ min: 1, max: 31 }).map((c) => String.fromCharCode(c));

describe('rtv-ks with hostile arguments', () => {
  it('create: bad scope, target, client, platform or actor exit 2, no stack, nothing written', async () => {
    const before = await tableCounts();
    const argv = fc.oneof(
      fc.oneof(weird, huge, fc.constantFrom('GLOBAL', 'all')).map((v) => ['create', '--scope', v, '--by', ADMIN]),
      badIdentifier.map((v) => ['create', '--scope', 'action', '--target-value', v, '--by', ADMIN]),
      badIdentifier.map((v) => ['create', '--scope', 'client', '--client', v, '--by', ADMIN]),
      badIdentifier.map((v) => [
        'create',
        '--scope',
        'action',
        '--target-value',
        'publish',
        '--platform',
        v,
        '--by',
        ADMIN,
      ]),
      fc
        .oneof(
          fc.constantFrom('   ', ''),
          huge,
          controlChar.map((c) => `ali${c}ce`),
        )
        .map((v) => ['create', '--scope', 'global', '--by', v]),
      fc
        .constantFrom('--__proto__', '--constructor', '--prototype')
        .map((o) => ['create', '--scope', 'global', o, 'x']),
    );
    await fc.assert(fc.asyncProperty(argv, expectUsageError), { numRuns: RUNS });
    expect(await tableCounts()).toEqual(before);
  }, 120_000);

  it('activate and deactivate: bad id, reason, actor, duration or option exit 2, no stack, nothing written', async () => {
    const before = await tableCounts();
    const badReason = fc.oneof(
      fc.constantFrom('short', '          ', "'; --", ''),
      huge.map((s) => s.slice(0, 3000)),
      controlChar.filter((c) => c !== '\t' && c !== '\n' && c !== '\r').map((c) => `long enough reason ${c}`),
    );
    const argv = fc.oneof(
      fc
        .oneof(fc.constant(''), huge, fc.constant('k'.repeat(37)))
        .map((id) => ['activate', id, '--reason', REASON, '--by', ADMIN, '--yes']),
      badReason.map((r) => ['activate', inactive.id, '--reason', r, '--by', ADMIN, '--yes']),
      badReason.map((r) => ['deactivate', active.id, '--reason', r, '--by', ADMIN, '--yes']),
      fc
        .oneof(
          fc.constantFrom('   '),
          controlChar.map((c) => `b${c}ob`),
          huge,
        )
        .map((by) => ['deactivate', active.id, '--reason', REASON, '--by', by, '--yes']),
      fc
        .oneof(weird, huge, fc.constantFrom('-5m', '1e9h', 'NaN', '0x10'))
        .map((d) => ['activate', inactive.id, '--reason', REASON, '--by', ADMIN, '--yes', '--expires-in', d]),
      fc.constantFrom('--__proto__', '--constructor').map((o) => ['deactivate', active.id, o, 'x']),
    );
    await fc.assert(fc.asyncProperty(argv, expectUsageError), { numRuns: RUNS });
    expect(await tableCounts()).toEqual(before);
    const [a, b] = await Promise.all([h.service.getById(inactive.id), h.service.getById(active.id)]);
    expect([a.isActive, b.isActive]).toEqual([false, true]);
  }, 180_000);

  it('the same commands with good arguments succeed (so the refusals are about the hostile argument)', async () => {
    const run = await runCli(['activate', inactive.id, '--reason', REASON, '--by', ADMIN, '--yes', '--json']);
    expect(run.stderr).not.toMatch(STACK_LINE);
    expect(run.code).toBe(0);
    expect((await h.service.getById(inactive.id)).isActive).toBe(true);
  }, 60_000);
});
