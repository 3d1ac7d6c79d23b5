/**
 * The built `rtv-ks` binary end to end on real PostgreSQL and Redis: the
 * operator's round trip (create, activate, status, history, deactivate,
 * audit --verify, health), then the failures an operator meets, each with its
 * exit code and a message naming the cause, never a stack trace.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createAuditEmitter } from '@rtv/audit';
import { createIncidentService } from '@rtv/policy';
import {
  type TestDatabase,
  createTestDatabase,
  createTestRedis,
  deleteKeysWithPrefix,
  runNode,
  testRedisUrl,
  uniqueKeyPrefix,
} from '@rtv/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

let db: TestDatabase;
let env: NodeJS.ProcessEnv;

/** Runs the binary with stdin closed (not a terminal), as a script would. */
const rtvKs = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
  runNode([CLI, ...args], { cwd: ROOT, env: { ...env, ...extraEnv } });

const STACK = /\n\s+at\s/;

beforeAll(async () => {
  // The binary runs from dist: build it with its workspace dependencies.
  execFileSync('pnpm', ['-r', '--filter', '@rtv/cli...', 'build'], { cwd: ROOT, stdio: 'pipe' });
  db = await createTestDatabase('postgres');
  const { DATABASE_URL: _d, REDIS_URL: _r, RTV_ACTOR: _a, RTV_DATA_DIR: _x, ...rest } = process.env;
  env = {
    ...rest,
    DATABASE_URL: db.url,
    REDIS_URL: testRedisUrl(),
    RTV_KEY_PREFIX: uniqueKeyPrefix(),
    NO_COLOR: '1',
  };
}, 300_000);

afterAll(async () => {
  await db?.close();
});

describe('rtv-ks round trip', () => {
  let id = '';

  it('creates a switch', async () => {
    const run = await rtvKs([
      'create',
      '--scope',
      'platform',
      '--target-type',
      'platform',
      '--target-value',
      'meta',
      '--by',
      'alice',
      '--json',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const created = JSON.parse(run.stdout) as { id: string; isActive: boolean; scope: string };
    expect(created.id).toMatch(/^ks_/);
    expect(created).toMatchObject({ isActive: false, scope: 'platform' });
    id = created.id;
  });

  it('refuses to activate without --yes when stdin is not a terminal, and changes nothing', async () => {
    const run = await rtvKs(['activate', id, '--reason', 'meta API returns 500s', '--by', 'alice']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--yes');
    expect(run.stderr).toContain('not a terminal');
    const status = await rtvKs(['status', '--json']);
    expect(JSON.parse(status.stdout).active).toEqual([]);
  });

  it('activates with --yes and an expiry', async () => {
    const run = await rtvKs([
      'activate',
      id,
      '--reason',
      'meta API returns 500s',
      '--by',
      'alice',
      '--expires-in',
      '30m',
      '--yes',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`ACTIVATED ${id}`);
    expect(run.stdout).toContain('every action on platform meta of EVERY client');
    expect(run.stdout).toMatch(/expires: \S+Z \(in 29m|in 30m\)/);
  });

  it('shows it in status, as a table and as JSON', async () => {
    const table = await rtvKs(['status']);
    expect(table.code).toBe(0);
    const [header, row] = table.stdout.split('\n');
    expect(header).toMatch(/^ID\s+SCOPE\s+TARGET\s+CLIENT\s+MODE\s+REASON\s+BY\s+SINCE\s+EXPIRES$/);
    expect(row).toMatch(/\shalt\s/);
    expect(row).toContain(id);
    expect(row).toContain('platform:meta');
    expect(row).toContain('(all clients)');
    expect(row).toContain('meta API returns 500s');
    expect(row).toContain('alice');
    expect(row).toMatch(/Z \((just now|\d+s ago)\)/);
    expect(table.stdout).toContain('1 active switch');

    const json = await rtvKs(['status', '--json']);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as {
      stateVersion: number;
      active: { id: string; activatedBy: string; expiresAt: string }[];
    };
    expect(parsed.active.map((row) => row.id)).toEqual([id]);
    expect(parsed.active[0]?.activatedBy).toBe('alice');
    expect(Date.parse(parsed.active[0]?.expiresAt ?? '')).toBeGreaterThan(Date.now());
    expect(parsed.stateVersion).toBeGreaterThanOrEqual(1);
  });

  it('lists with filters', async () => {
    const active = JSON.parse((await rtvKs(['list', '--active', '--platform', 'meta', '--json'])).stdout) as {
      id: string;
    }[];
    expect(active.map((row) => row.id)).toEqual([id]);
    const none = JSON.parse((await rtvKs(['list', '--scope', 'client', '--json'])).stdout) as unknown[];
    expect(none).toEqual([]);
  });

  it('deactivates with --yes, taking RTV_ACTOR as the actor', async () => {
    const run = await rtvKs(['deactivate', id, '--reason', 'meta API healthy again', '--yes'], {
      RTV_ACTOR: 'bob',
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`DEACTIVATED ${id}`);
    const status = await rtvKs(['status', '--json']);
    expect(JSON.parse(status.stdout).active).toEqual([]);
  });

  it('shows the history', async () => {
    const table = await rtvKs(['history', id]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/created\s+- -> inactive\s+alice/);
    expect(table.stdout).toMatch(/activated\s+inactive -> active\s+alice\s+meta API returns 500s/);
    expect(table.stdout).toMatch(/deactivated\s+active -> inactive\s+bob\s+meta API healthy again/);
    const json = JSON.parse((await rtvKs(['history', id, '--json'])).stdout) as { history: { action: string }[] };
    expect(json.history.map((entry) => entry.action)).toEqual(['created', 'activated', 'deactivated']);
  });

  it('reads the audit trail and verifies its chain', async () => {
    const run = await rtvKs(['audit', '--verify', '--target', id]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('KILL_SWITCH_ACTIVATED');
    expect(run.stdout).toContain('KILL_SWITCH_DEACTIVATED');
    expect(run.stdout).toMatch(/audit chain OK: \d+ records verified/);
    const json = JSON.parse(
      (await rtvKs(['audit', '--verify', '--json', '--type', 'KILL_SWITCH_ACTIVATED'])).stdout,
    ) as {
      records: { type: string; actor: string }[];
      verification: { ok: boolean; count: number };
    };
    expect(json.records.map((record) => [record.type, record.actor])).toEqual([['KILL_SWITCH_ACTIVATED', 'alice']]);
    expect(json.verification.ok).toBe(true);
    expect(json.verification.count).toBeGreaterThanOrEqual(3);
  });

  it('reports health: operational, with the state version', async () => {
    const run = await rtvKs(['health']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/postgres\s+operational/);
    expect(run.stdout).toMatch(/redis\s+operational/);
    expect(run.stdout).toMatch(/snapshot\s+operational\s+version \d+/);
    const json = JSON.parse((await rtvKs(['health', '--json'])).stdout) as { status: string };
    expect(json.status).toBe('operational');
  });

  it('lists incidents (none yet)', async () => {
    const run = await rtvKs(['incidents', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([]);
  });
});

describe('rtv-ks incidents', () => {
  it('acknowledges, notes and resolves an incident, each on its timeline; a second resolve is a conflict', async () => {
    const audit = createAuditEmitter({ db: db.db });
    const incident = await createIncidentService({ db: db.db, audit }).open({
      title: 'Error spike on meta for client_cli',
      severity: 'high',
      triggerType: 'error_rate',
      clientId: 'client_cli',
      actor: 'system:auto_trip',
    });
    await audit.close();

    expect((await rtvKs(['incidents', 'ack', incident.id, '--by', 'alice'])).code).toBe(0);
    const note = await rtvKs(['incidents', 'note', incident.id, '--notes', 'paged the meta team', '--by', 'alice']);
    expect(note.code).toBe(0);
    expect(note.stdout).toContain(`noted on ${incident.id}`);
    expect((await rtvKs(['incidents', 'resolve', incident.id, '--notes', 'token rotated', '--by', 'alice'])).code).toBe(
      0,
    );

    const shown = await rtvKs(['incidents', 'show', incident.id, '--json']);
    const detail = JSON.parse(shown.stdout) as {
      status: string;
      timeline: Array<{ type: string; notes: string | null }>;
    };
    expect(detail.status).toBe('resolved');
    expect(detail.timeline.map((e) => e.type)).toEqual(['opened', 'acknowledged', 'note', 'resolved']);
    expect(detail.timeline[2]?.notes).toBe('paged the meta team');

    const again = await rtvKs(['incidents', 'resolve', incident.id, '--notes', 'twice', '--by', 'alice']);
    expect(again.code).toBe(6);
    expect(again.stderr).not.toMatch(STACK);
    const missing = await rtvKs(['incidents', 'note', 'inc_missing', '--notes', 'hello there', '--by', 'alice']);
    expect(missing.code).toBe(3);
  });
});

describe('rtv-ks failures', () => {
  it('a missing --reason is a usage error naming the option', async () => {
    const run = await rtvKs(['activate', 'ks_whatever', '--by', 'alice', '--yes']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("'--reason <text>' not specified");
    expect(run.stderr).not.toMatch(STACK);
  });

  it('a reason too short is a validation error naming --reason', async () => {
    const created = JSON.parse(
      (await rtvKs(['create', '--scope', 'client', '--client', 'client_x', '--by', 'alice', '--json'])).stdout,
    ) as { id: string };
    const run = await rtvKs(['activate', created.id, '--reason', 'short', '--by', 'alice', '--yes']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--reason: reason must be at least 10 characters');
    expect(run.stderr).not.toMatch(STACK);
    const status = await rtvKs(['status', '--json']);
    expect(JSON.parse(status.stdout).active).toEqual([]);
  });

  it('an unknown scope is a validation error naming --scope', async () => {
    const run = await rtvKs(['create', '--scope', 'galaxy', '--by', 'alice']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--scope');
    expect(run.stderr).toContain('global, client, platform, action');
    expect(run.stderr).not.toMatch(STACK);
  });

  it('a missing actor is a usage error naming --by and RTV_ACTOR', async () => {
    const run = await rtvKs(['deactivate', 'ks_x', '--reason', 'long enough reason', '--yes']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--by is required');
    expect(run.stderr).toContain('RTV_ACTOR');
  });

  it('an unknown id is not found (exit 3)', async () => {
    const run = await rtvKs(['activate', 'ks_missing', '--reason', 'meta API returns 500s', '--by', 'alice', '--yes']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('ks_missing');
    expect(run.stderr).not.toMatch(STACK);
    expect((await rtvKs(['history', 'ks_missing'])).code).toBe(3);
  });

  it('an unreachable database is exit 5, naming the URL without its password', async () => {
    const run = await rtvKs(['status'], { DATABASE_URL: 'postgres://ops:hunter2@127.0.0.1:1/ks' });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('postgres://ops:***@127.0.0.1:1/ks');
    expect(run.stderr).toContain('ECONNREFUSED');
    expect(run.stderr).not.toContain('hunter2');
    expect(run.stderr).not.toMatch(STACK);
    // Nothing else holds the state: health fails.
    const health = await rtvKs(['health'], { DATABASE_URL: 'postgres://ops:hunter2@127.0.0.1:1/ks', REDIS_URL: '' });
    expect(health.code).toBe(5);
    expect(health.stdout).toMatch(/postgres\s+failed\s+connect ECONNREFUSED 127.0.0.1:1 \(postgres:\/\/ops:\*\*\*@/);
    expect(health.stdout).toMatch(/snapshot\s+failed/);
    expect(health.stdout + health.stderr).not.toContain('hunter2');
    // Redis still holds the snapshot: checks can be answered, so the service is degraded, not failed.
    const withRedis = await rtvKs(['health'], { DATABASE_URL: 'postgres://ops:hunter2@127.0.0.1:1/ks' });
    expect(withRedis.code).toBe(7);
    expect(withRedis.stdout).toMatch(/postgres\s+failed/);
    expect(withRedis.stdout).toMatch(/snapshot\s+operational/);
  });

  it('an unknown command is a usage error with a suggestion', async () => {
    const run = await rtvKs(['actvate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Did you mean activate?');
  });

  it('health is degraded (exit 7) when Redis does not answer', async () => {
    const run = await rtvKs(['health'], { REDIS_URL: 'redis://:pw@127.0.0.1:1' });
    expect(run.code).toBe(7);
    expect(run.stdout).toMatch(/redis\s+failed/);
    expect(run.stdout).toMatch(/postgres\s+operational/);
    expect(run.stdout + run.stderr).not.toContain(':pw@');
  });

  it('health is degraded (exit 7) naming RTV_KEY_PREFIX when the Redis namespace holds another database', async () => {
    const prefix = uniqueKeyPrefix();
    const redis = createTestRedis();
    try {
      await redis.hset(`${prefix}snapshot`, 'version', '3', 'owner', 'another-database', 'payload', '{}');
      const run = await rtvKs(['health'], { RTV_KEY_PREFIX: prefix });
      expect(run.code).toBe(7);
      expect(run.stdout).toMatch(/redis\s+failed/);
      expect(run.stdout).toMatch(
        /redis\s+failed\s+namespace owned by another database: give this one a RTV_KEY_PREFIX/,
      );
      const json = JSON.parse((await rtvKs(['health', '--json'], { RTV_KEY_PREFIX: prefix })).stdout);
      expect(json.components.redis.error).toContain(`namespace ${prefix}, owner another-database`);
      expect(await redis.hget(`${prefix}snapshot`, 'owner')).toBe('another-database');
    } finally {
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
    }
  });

  it('audit --verify exits 9 naming the broken record once the trail was rewritten behind its back', async () => {
    // Last in the file: it breaks this database's chain on purpose.
    await db.db.execute('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
    try {
      await db.db.execute("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2");
    } finally {
      await db.db.execute('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
    }
    const run = await rtvKs(['audit', '--verify']);
    expect(run.code).toBe(9);
    expect(run.stdout).toMatch(/audit chain BROKEN at seq 2: .+ \(1 records verified before it\)/);
    const json = await rtvKs(['audit', '--verify', '--json']);
    expect(json.code).toBe(9);
    expect(JSON.parse(json.stdout).verification).toMatchObject({ ok: false, brokenAt: 2 });
  });
});
