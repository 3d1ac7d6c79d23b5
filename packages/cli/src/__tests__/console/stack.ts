/**
 * What the console's end-to-end test runs against: a database of its own on
 * the real PostgreSQL, Redis under a unique prefix, two demo service
 * processes (each its own kill-switch service in the fleet registry), and
 * `rtv-ks serve` as a process with a checkpoint key, as an operator runs it.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApiToken } from '@rtv/admin';
import { type AuditEmitter, createAuditEmitter } from '@rtv/audit';
import { type KillSwitchService, createKillSwitchService } from '@rtv/policy';
import {
  type TestDatabase,
  createTestDatabase,
  createTestRedis,
  deleteKeysWithPrefix,
  runNode,
  testRedisUrl,
  uniqueKeyPrefix,
  waitFor,
} from '@rtv/testing';
import type { Redis } from 'ioredis';
import type { WorkerMessage } from '../../demo/worker-process';

export const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../cli.ts', import.meta.url));
const WORKER = fileURLToPath(new URL('../../demo/worker-process.ts', import.meta.url));

export interface ConsoleStack {
  db: TestDatabase;
  /** A service of the test's own (not registered in the fleet) to set up switches and read state. */
  service: KillSwitchService;
  baseUrl: string;
  tokens: { alice: string; bob: string };
  server: ChildProcess;
  close(): Promise<void>;
}

function startWorker(role: string, env: NodeJS.ProcessEnv, children: ChildProcess[]): Promise<void> {
  const child = fork(WORKER, [role], {
    env,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') resolve();
    });
    child.once('exit', (code) => reject(new Error(`${role} exited (${code}) before it was ready`)));
  });
}

/** Starts `rtv-ks serve --port 0` and resolves with the address it prints. */
function startServer(
  env: NodeJS.ProcessEnv,
  dir: string,
  children: ChildProcess[],
): Promise<{ child: ChildProcess; url: string }> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const keyFile = join(dir, 'checkpoint-key.pem');
  writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }));
  const args = [
    'serve',
    '--port',
    '0',
    '--checkpoint-key',
    keyFile,
    '--checkpoint-file',
    join(dir, 'checkpoints.jsonl'),
  ];
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk) => {
      out += chunk;
      const match = /operator console on (http:\/\/[^\s/]+)\//.exec(out);
      if (match?.[1]) resolve({ child, url: match[1] });
    });
    child.once('exit', (code) => reject(new Error(`rtv-ks serve exited (${code}): ${out}`)));
  });
}

export async function startConsoleStack(): Promise<ConsoleStack> {
  // The console's assets, built as the package build does (the test runs from the sources).
  const built = await runNode(['packages/admin/build/console.mjs'], { cwd: ROOT, env: process.env });
  if (built.code !== 0) throw new Error(`console build failed: ${built.stderr}`);
  const db = await createTestDatabase('postgres');
  const redis: Redis = createTestRedis();
  const keyPrefix = uniqueKeyPrefix();
  const { RTV_ACTOR: _a, RTV_DATA_DIR: _d, ...rest } = process.env;
  const env = {
    ...rest,
    DATABASE_URL: db.url,
    REDIS_URL: testRedisUrl(),
    RTV_KEY_PREFIX: keyPrefix,
    RTV_FLEET_HEARTBEAT_MS: '500',
    NO_COLOR: '1',
  };
  const audit: AuditEmitter = createAuditEmitter({ db: db.db });
  const service = createKillSwitchService({
    db: db.db,
    redis,
    audit,
    keyPrefix,
    sweepIntervalMs: 0,
    fleet: { register: false },
  });
  await service.ready();
  const children: ChildProcess[] = [];
  const close = async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await service.close();
    await audit.close();
    await deleteKeysWithPrefix(redis, keyPrefix).catch(() => {});
    redis.disconnect();
    await db.close();
  };
  try {
    await Promise.all(['publishing-service', 'engagement-worker'].map((role) => startWorker(role, env, children)));
    await waitFor(async () => (await service.fleet.instances()).filter((i) => i.state === 'current').length === 2, {
      timeoutMs: 20_000,
      what: 'two live service instances',
    });
    const dir = mkdtempSync(join(tmpdir(), 'rtv-console-'));
    const { child, url } = await startServer(env, dir, children);
    const token = async (name: string) =>
      (await createApiToken(db.db, { name, role: 'admin', createdBy: 'console-test' })).token;
    return {
      db,
      service,
      baseUrl: url,
      tokens: { alice: await token('alice'), bob: await token('bob') },
      server: child,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
