/**
 * The control plane's commands in-process on real PostgreSQL: tokens
 * (shown once, hashed, revocable), triggers, the runtime role's grants, and
 * `audit --verify --checkpoints` finding a deleted tail and a rewound head.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createCheckpointSealer, createFileCheckpointSink } from '@rtv/audit';
import { adminTokens } from '@rtv/db';
import { type TestDatabase, createTestDatabase } from '@rtv/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../program';

let db: TestDatabase;
const dir = mkdtempSync(join(tmpdir(), 'rtv-cli-cp-'));

async function rtvKsWith(extraEnv: NodeJS.ProcessEnv, ...args: string[]) {
  let stdout = '';
  let stderr = '';
  const stdin = new PassThrough();
  stdin.end();
  const code = await runCli(['node', 'rtv-ks', ...args], {
    stdout: {
      write: (chunk: string) => {
        stdout += chunk;
      },
    },
    stderr: {
      write: (chunk: string) => {
        stderr += chunk;
      },
    },
    stdin,
    env: { DATABASE_URL: db.url, NO_COLOR: '1', RTV_ACTOR: 'user:root-operator', ...extraEnv },
    now: () => Date.now(),
  });
  return { code, stdout, stderr };
}

const rtvKs = (...args: string[]) => rtvKsWith({}, ...args);

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.close());

describe('rtv-ks control plane commands', () => {
  it('creates a token shown once and stored hashed, lists it without the secret, revokes it', async () => {
    const created = await rtvKs(
      'tokens',
      'create',
      '--name',
      'alice@example.com',
      '--role',
      'operator',
      '--clients',
      'a,b',
      '--json',
    );
    expect(created.code).toBe(0);
    const token = JSON.parse(created.stdout) as { token: string; id: string; actor: string; clients: string[] };
    expect(token).toMatchObject({ actor: 'user:alice@example.com', clients: ['a', 'b'] });
    const [row] = await db.db.select().from(adminTokens);
    expect(JSON.stringify(row)).not.toContain(token.token.split('_').at(-1));
    const listed = await rtvKs('tokens', 'list');
    expect(listed.stdout).toContain(token.id);
    expect(listed.stdout).not.toContain(token.token);
    expect((await rtvKs('tokens', 'revoke', token.id)).code).toBe(0);
    expect((await rtvKs('tokens', 'list')).stdout).toContain('revoked');
    const bad = await rtvKs('tokens', 'create', '--name', 'system:auto_trip', '--role', 'admin');
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toMatch(/\n\s+at\s/);
  });

  it('creates, lists and revokes a trigger', async () => {
    const sw = await rtvKs('create', '--scope', 'action', '--target-value', 'publish', '--json');
    const switchId = (JSON.parse(sw.stdout) as { id: string }).id;
    const created = await rtvKs('triggers', 'create', '--switch', switchId, '--name', 'pagerduty-high-error', '--json');
    const trigger = JSON.parse(created.stdout) as { id: string; secret: string; path: string };
    expect(trigger.path).toBe(`/api/v1/hooks/${trigger.id}`);
    expect((await rtvKs('triggers', 'list')).stdout).not.toContain(trigger.secret);
    expect((await rtvKs('triggers', 'revoke', trigger.id)).code).toBe(0);
  });

  it('acts as the identity of RTV_TOKEN: its actor, rights and fence; --by refused; guarded releases sent to the API', async () => {
    const issue = async (...args: string[]) =>
      (JSON.parse((await rtvKs('tokens', 'create', '--json', ...args)).stdout) as { token: string }).token;
    const operator = await issue('--name', 'olga', '--role', 'operator', '--clients', 'client_a');
    const admin = await issue('--name', 'root', '--role', 'admin');
    const asOperator = (...args: string[]) => rtvKsWith({ RTV_TOKEN: operator }, ...args);
    const created = await asOperator('create', '--scope', 'client', '--client', 'client_a', '--json');
    expect(created.code).toBe(0);
    const own = JSON.parse(created.stdout) as { id: string };
    const tripped = await asOperator('activate', own.id, '--reason', 'stopping client a for a test', '--yes', '--json');
    expect(tripped.code).toBe(0);
    expect((JSON.parse(tripped.stdout) as { switch: { activatedBy: string } }).switch.activatedBy).toBe('user:olga');
    const { history } = JSON.parse((await rtvKs('history', own.id, '--json')).stdout) as {
      history: { performedBy: string }[];
    };
    expect(history.map((h) => h.performedBy)).toEqual(['user:olga', 'user:olga']);
    const posing = await asOperator(
      'activate',
      own.id,
      '--reason',
      'stopping client a for a test',
      '--by',
      'system:auto_trip',
      '--yes',
    );
    expect(posing.code).toBe(2);
    const fenced = await asOperator('create', '--scope', 'client', '--client', 'client_b');
    expect(fenced.code).toBe(4);
    const global = JSON.parse((await rtvKs('create', '--scope', 'global', '--json')).stdout) as { id: string };
    await rtvKs('activate', global.id, '--reason', 'stop everything for the test', '--yes');
    const release = await rtvKsWith(
      { RTV_TOKEN: admin },
      'deactivate',
      global.id,
      '--reason',
      'releasing alone is refused',
      '--yes',
    );
    expect(release.code).toBe(4);
    expect(release.stderr).toContain('second person');
    const revokedOrWrong = await rtvKsWith({ RTV_TOKEN: 'rtvks_nope' }, 'list');
    expect(revokedOrWrong.code).toBe(2);
    expect(revokedOrWrong.stderr).toContain('RTV_TOKEN');
  });

  it('prints the runtime grants', async () => {
    const printed = await rtvKs('migrate', '--print-grants', 'rtv_app');
    expect(printed.stdout).toContain('REVOKE UPDATE ON kill_switch_history, audit_events');
  });

  it('audit --verify --checkpoints exits 9 on a deleted tail and a rewound head', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const keyFile = join(dir, 'public.pem');
    writeFileSync(keyFile, publicKey.export({ format: 'pem', type: 'spki' }));
    const file = join(dir, 'checkpoints.jsonl');
    await createCheckpointSealer({ db: db.db, privateKey, sinks: [createFileCheckpointSink(file)] }).seal();
    const sound = await rtvKs('audit', '--verify', '--checkpoints', file, '--public-key', keyFile);
    expect(sound.code).toBe(0);
    await db.db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL session_replication_role = replica`);
      await tx.execute(sql`DELETE FROM audit_events WHERE seq > 1`);
      await tx.execute(sql`UPDATE audit_chain_head SET seq = 1, hash = (SELECT hash FROM audit_events WHERE seq = 1)`);
    });
    const plain = await rtvKs('audit', '--verify');
    expect(plain.code).toBe(0);
    const found = await rtvKs('audit', '--verify', '--checkpoints', file, '--public-key', keyFile);
    expect(found.code).toBe(9);
    expect(found.stdout).toContain('rewound');
  });
});
