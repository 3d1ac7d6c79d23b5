/**
 * Fleet confirmation end to end: eight demo workers, each its own process
 * with its own service instance on real PostgreSQL and Redis, running the
 * demo's traffic. A change's receipt names all eight; a frozen (SIGSTOP)
 * worker is named by the receipt and by `rtv-ks activate --wait`, which
 * exits with the partial code; a killed worker leaves the live registry
 * within its TTL; a drill records time-to-halt and blocks no real action.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type AuditEmitter, createAuditEmitter, queryAudit, verifyAuditChain } from '@rtv/audit';
import { FLEET_AUDIT_TYPES, type KillSwitchService, createKillSwitchService } from '@rtv/policy';
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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tallies } from '../demo/traffic';
import type { WorkerMessage } from '../demo/worker-process';
import { ExitCode } from '../exit-codes';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CLI = fileURLToPath(new URL('../cli.ts', import.meta.url));
const WORKER = fileURLToPath(new URL('../demo/worker-process.ts', import.meta.url));
const PROCESSES = 8;
const TTL_MS = 15_000;

interface Worker {
  child: ChildProcess;
  tallies: Tallies | undefined;
}

let db: TestDatabase;
let redis: Redis;
let audit: AuditEmitter;
let admin: KillSwitchService;
let env: NodeJS.ProcessEnv;
let keyPrefix: string;
const workers: Worker[] = [];

const rtvKs = (args: string[]) => runNode(['--import', 'tsx', CLI, ...args], { cwd: ROOT, env });

function startWorker(role: string): Promise<Worker> {
  const worker: Worker = {
    child: fork(WORKER, [role], { env, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    tallies: undefined,
  };
  workers.push(worker);
  return new Promise((resolve, reject) => {
    worker.child.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') resolve(worker);
      if (message.type === 'tallies') worker.tallies = message.tallies;
    });
    worker.child.once('exit', (code) => reject(new Error(`${role} exited (${code}) before it was ready`)));
  });
}

/** Real actions of the demo traffic summed over every worker: what ran, and what a switch blocked. */
function traffic(): { ok: number; blocked: number } {
  const sum = { ok: 0, blocked: 0 };
  for (const worker of workers) {
    for (const tally of Object.values(worker.tallies ?? {})) {
      sum.ok += tally.ok;
      sum.blocked += tally.blocked;
    }
  }
  return sum;
}

const liveCount = async () => (await admin.fleet.instances()).filter((i) => i.state !== 'lost').length;
const allCurrent = async (count: number) => {
  const listed = await admin.fleet.instances();
  return listed.filter((i) => i.state === 'current').length === count;
};

beforeAll(async () => {
  db = await createTestDatabase('postgres');
  redis = createTestRedis();
  keyPrefix = uniqueKeyPrefix();
  const { RTV_ACTOR: _a, RTV_DATA_DIR: _d, ...rest } = process.env;
  env = {
    ...rest,
    DATABASE_URL: db.url,
    REDIS_URL: testRedisUrl(),
    RTV_KEY_PREFIX: keyPrefix,
    RTV_FLEET_HEARTBEAT_MS: '300',
    RTV_FLEET_TTL_MS: String(TTL_MS),
    NO_COLOR: '1',
  };
  audit = createAuditEmitter({ db: db.db });
  admin = createKillSwitchService({
    db: db.db,
    redis,
    audit,
    keyPrefix,
    sweepIntervalMs: 0,
    fleet: { register: false, receiptTimeoutMs: 10_000 },
  });
  await admin.ready();
  const roles = Array.from({ length: PROCESSES }, (_, i) => (i % 2 ? 'engagement-worker' : 'publishing-service'));
  await Promise.all(roles.map(startWorker));
  await waitFor(async () => (await liveCount()) === PROCESSES, { timeoutMs: 20_000, what: '8 live instances' });
}, 120_000);

afterAll(async () => {
  // Resume and end every process spawned, whatever happened.
  for (const { child } of workers) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
  await admin?.close();
  await audit?.close();
  await deleteKeysWithPrefix(redis, keyPrefix).catch(() => {});
  redis?.disconnect();
  await db?.close();
}, 60_000);

async function receiptsFor(switchId: string) {
  const page = await queryAudit(db.db, { target: switchId, type: FLEET_AUDIT_TYPES.receipt, limit: 10 });
  return page.records;
}

describe('fleet confirmation across 8 processes', () => {
  let switchId = '';

  it('records a receipt saying 8/8 applied an activation, with its lags', async () => {
    const row = await admin.create({
      scope: 'platform',
      targetType: 'platform',
      targetValue: 'tiktok',
      createdBy: 'ops',
    });
    switchId = row.id;
    await admin.activate({ id: row.id, reason: 'tiktok API is misbehaving', activatedBy: 'ops' });
    const receipt = await admin.fleet.awaitReceipt();
    expect(receipt).toMatchObject({ expected: PROCESSES, applied: PROCESSES, complete: true, unconfirmed: [] });
    // Plausible: ordered percentiles, every lag measured from the commit, within the wait.
    expect(receipt.p50Ms).not.toBeNull();
    expect(receipt.p50Ms ?? -1).toBeLessThanOrEqual(receipt.p99Ms ?? -1);
    expect(receipt.p99Ms ?? -1).toBeLessThanOrEqual(receipt.maxMs ?? -1);
    expect(receipt.timeToHaltMs).toBe(receipt.maxMs);
    expect(receipt.confirmed.map((c) => c.pid).sort()).toEqual(workers.map((w) => w.child.pid).sort());
    const [recorded] = await receiptsFor(row.id);
    expect(recorded?.metadata).toMatchObject({ operation: 'activate', expected: 8, applied: 8, complete: true });
    expect(await verifyAuditChain(db.db)).toMatchObject({ ok: true });
  });

  it('names a frozen process in the receipt and in --wait, which exits with the partial code', async () => {
    const resumed = await rtvKs([
      'deactivate',
      switchId,
      '--reason',
      'tiktok recovered now',
      '--by',
      'ops',
      '--yes',
      '--wait',
    ]);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(ExitCode.OK);
    expect(resumed.stdout).toContain('resumed on 8/8 instances, p99');
    const frozen = workers[PROCESSES - 1]?.child;
    if (!frozen?.pid) throw new Error('no worker to freeze');
    frozen.kill('SIGSTOP');
    try {
      const run = await rtvKs([
        'activate',
        switchId,
        '--reason',
        'tiktok broke again',
        '--by',
        'ops',
        '--yes',
        '--wait',
        '--timeout',
        '1s',
      ]);
      expect(run.code, run.stdout + run.stderr).toBe(ExitCode.PARTIAL);
      expect(run.stdout).toContain('stopped on 7/8 instances');
      expect(run.stdout).toContain(`pid ${frozen.pid}`);
      const [recorded] = await receiptsFor(switchId);
      expect(recorded?.metadata).toMatchObject({ operation: 'activate', expected: 8, applied: 7, complete: false });
      const unconfirmed = recorded?.metadata.unconfirmed as { pid: number; state: string }[];
      expect(unconfirmed.map((u) => u.pid)).toEqual([frozen.pid]);
    } finally {
      frozen.kill('SIGCONT');
    }
    await waitFor(() => allCurrent(PROCESSES), { timeoutMs: 15_000, what: 'the resumed worker to catch up' });
  }, 120_000);

  it('runs a drill that records time-to-halt and blocks none of the demo traffic', async () => {
    await admin.deactivate({ id: switchId, reason: 'clear before the drill', deactivatedBy: 'ops' });
    await waitFor(() => allCurrent(PROCESSES), { timeoutMs: 15_000, what: 'every worker on the release' });
    // Tallies arrive every 100 ms: wait until the blocked count has settled after the release.
    await waitFor(
      async () => {
        const settled = traffic().blocked;
        await new Promise((resolve) => setTimeout(resolve, 400));
        return traffic().blocked === settled;
      },
      { timeoutMs: 10_000, what: 'the blocked count to settle' },
    );
    const before = traffic();
    const result = await admin.fleet.drill({ actor: 'ops:drill', timeoutMs: 10_000 });
    expect(result).toMatchObject({ complete: true, halt: { applied: 8, expected: 8 }, release: { applied: 8 } });
    expect(result.timeToHaltMs).not.toBeNull();
    // Real actions kept running and none was blocked while the drill switch was on.
    await waitFor(() => traffic().ok > before.ok, { timeoutMs: 10_000, what: 'demo traffic to keep flowing' });
    expect(traffic().blocked).toBe(before.blocked);
    const drills = await queryAudit(db.db, { type: FLEET_AUDIT_TYPES.drill, limit: 5 });
    expect(drills.records[0]?.metadata).toMatchObject({ drillId: result.drillId, timeToHaltMs: result.timeToHaltMs });
  }, 120_000);

  it('shows a killed process as lost once its TTL has passed, first in rtv-ks fleet', async () => {
    const killed = workers[0]?.child;
    if (!killed?.pid) throw new Error('no worker to kill');
    killed.kill('SIGKILL');
    await waitFor(async () => (await admin.fleet.instances()).some((i) => i.pid === killed.pid && i.state === 'lost'), {
      timeoutMs: TTL_MS + 5000,
      intervalMs: 100,
      what: 'the killed worker to be lost',
    });
    expect(await liveCount()).toBe(PROCESSES - 1);
    const run = await rtvKs(['fleet']);
    expect(run.code).toBe(ExitCode.OK);
    const firstRow = run.stdout.split('\n')[1] ?? '';
    expect(firstRow).toMatch(/^lost/);
    expect(firstRow).toContain(`:${killed.pid}`);
    expect(run.stdout).toContain('7 live (0 behind), 1 lost');
  }, 120_000);
});
