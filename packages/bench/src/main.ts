/**
 * `pnpm bench`: every benchmark of the suite in one run on the same machine
 * and servers; writes bench/results/latest.json and BENCHMARKS.md.
 * `pnpm bench --smoke` (`.ci/bench-smoke`): the same harness end to end with
 * tiny sizes, in seconds, writing to a temporary folder so the committed
 * figures stay those of a full run.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAuditEmitter } from '@rtv/audit';
import { createKillSwitchService } from '@rtv/policy';
import { createBenchEnvironment, describeMachine } from './environment';
import type { BenchReport } from './report/bench-report';
import { renderMarkdown } from './report/markdown';
import { judgeTargets } from './report/targets';
import { benchMemory, benchRecordResult } from './scenarios/auto-trip';
import { benchCheckPath } from './scenarios/check-path';
import { benchFleetAutoTrip } from './scenarios/fleet-auto-trip';
import { benchPropagation } from './scenarios/propagation';
import { benchPubSubFloor } from './scenarios/pubsub-floor';
import { generateSnapshot, seedSnapshot } from './scenarios/realistic-snapshot';
import { benchSteadyState, seedSwitches } from './scenarios/steady-state';
import { benchTimeToHalt } from './scenarios/time-to-halt';
import { benchColdStart, benchWrites } from './scenarios/write-path';
import { benchWriteThroughput } from './scenarios/write-throughput';
import { benchSettings } from './settings';

const smoke = process.argv.includes('--smoke');
const settings = benchSettings(smoke);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const t0 = performance.now();
const log = (message: string) =>
  console.log(`[bench${smoke ? ' smoke' : ''} ${((performance.now() - t0) / 1000).toFixed(1)}s] ${message}`);

const COMMANDS = [
  '# PostgreSQL on 127.0.0.1:5432 (database `test`, trust auth) and Redis on 127.0.0.1:6379,',
  '# or DATABASE_URL / REDIS_URL; e.g. `docker compose up -d`',
  'pnpm install --frozen-lockfile',
  'pnpm bench            # full run (minutes): bench/results/latest.json and BENCHMARKS.md',
  'pnpm bench --smoke    # the same harness with tiny sizes (seconds); also .ci/bench-smoke',
];

function finite(value: unknown, path: string): void {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`${path} is not a finite number`);
  if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) finite(child, `${path}.${key}`);
  }
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  log('creating a throwaway database and Redis prefix');
  const env = await createBenchEnvironment();
  try {
    const machine = describeMachine(env);
    const audit = createAuditEmitter({ db: env.handle.db });
    const writer = createKillSwitchService({
      db: env.handle.db,
      redis: env.redis,
      audit,
      keyPrefix: env.keyPrefix,
      sweepIntervalMs: 0,
    });

    // The earlier scenario first, on its own 51 switches, which are then turned off again.
    const legacyActive = await seedSwitches(writer);
    log('extra: the 51-switch, 2-context scenario (ours, the reference, unleash-client, OpenFeature)');
    const steadyState = await benchSteadyState(env, settings, legacyActive);
    for (const sw of await writer.listActive()) {
      await writer.deactivate({ id: sw.id, reason: 'benchmark: end of the extra scenario', deactivatedBy: 'bench' });
    }

    const snapshot = generateSnapshot(settings.snapshot);
    log(
      `seeding the realistic snapshot: ${snapshot.targets.length} switches (per level ${snapshot.perLevel.slice(1).join('/')}), ${snapshot.contexts.length} contexts, ${snapshot.tripped} blocked`,
    );
    const snapshotSeedMs = await seedSnapshot(writer, snapshot);
    await writer.close();
    await audit.close();

    log('judged check path: isTripped, check, floors, unleash-client, OpenFeature (interleaved rounds)');
    const checkPath = await benchCheckPath(env, settings, snapshot);
    log('cold first check');
    const cold = await benchColdStart(env, settings);
    log('create / activate / deactivate');
    const writes = await benchWrites(env, settings);
    log('recordResult and memory per tracked client');
    const recordResult = await benchRecordResult(settings);
    const memory = await benchMemory(settings);
    log('fleet auto-trip across worker processes');
    const fleetAutoTrip = await benchFleetAutoTrip(env, settings, smoke ? 1 : 3);
    log('raw pub/sub floors (last of N subscribers, idle and awake every millisecond)');
    const pubSubFloor = [await benchPubSubFloor(env, settings), await benchPubSubFloor(env, settings, 'paced')];
    log('propagation over pub/sub (last of N readers)');
    const pubsub = await benchPropagation(env, settings, 'pubsub');
    log('propagation with pub/sub off (version poll only)');
    const pollOnly = await benchPropagation(env, settings, 'poll-only');
    log('time-to-halt measured by receipts (N reader processes)');
    const timeToHalt = await benchTimeToHalt(env, settings);
    log('concurrent write throughput and the storm');
    const writeThroughput = await benchWriteThroughput(env, settings);

    const propagation = [pubsub, pollOnly];
    const report: BenchReport = {
      generatedAt: new Date().toISOString(),
      durationS: Math.round((performance.now() - startedAt) / 1000),
      machine,
      commands: COMMANDS,
      settings,
      snapshotSeedMs,
      checkPath,
      steadyState,
      cold,
      writes,
      writeThroughput,
      autoTrip: { recordResult, memory },
      fleetAutoTrip,
      pubSubFloor,
      propagation,
      timeToHalt,
      targets: judgeTargets({
        checkPath,
        legacy: steadyState,
        propagation,
        writes: writeThroughput,
        fleet: fleetAutoTrip,
      }),
    };
    finite(report, 'report');
    const markdown = renderMarkdown(report);
    const outDir = smoke ? await mkdtemp(join(tmpdir(), 'rtv-bench-smoke-')) : join(root, 'bench', 'results');
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, smoke ? 'smoke.json' : 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
    const markdownPath = smoke ? join(outDir, 'BENCHMARKS.md') : join(root, 'BENCHMARKS.md');
    await writeFile(markdownPath, markdown);
    // The smoke's samples are too small to judge: it only proves the harness runs end to end.
    const verdict = (met: boolean) => (smoke ? 'smoke, not judged:' : met ? 'met    ' : 'NOT met');
    for (const t of report.targets) log(`${verdict(t.met)} ${t.target}: ${t.measured} (required ${t.required})`);
    log(`wrote ${join(outDir, smoke ? 'smoke.json' : 'latest.json')} and ${markdownPath} in ${report.durationS} s`);
  } finally {
    await env.teardown();
    log('dropped the throwaway database and deleted the Redis keys');
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
