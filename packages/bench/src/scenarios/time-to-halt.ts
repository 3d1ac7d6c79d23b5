/**
 * Time-to-halt measured by receipts: N reader processes (the propagation
 * benchmark's children, each its own service instance checking every
 * millisecond, registered in the fleet registry) and a writer in this
 * process that activates a switch and awaits the change's receipt. Per
 * activation the figure is the receipt's time-to-halt: the commit to the
 * LAST instance's acknowledged apply; percentiles are over activations.
 * The switch is released (and that receipt awaited) between trials.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createAuditEmitter } from '@rtv/audit';
import { type FleetReceipt, createKillSwitchService } from '@rtv/policy';
import type { BenchEnvironment } from '../environment';
import { type LatencySummary, summarize } from '../measure-ops';
import type { BenchSettings } from '../settings';
import type { ChildConfig, ChildMessage } from './propagation-child';

export interface TimeToHaltResult {
  processes: number;
  trials: number;
  /** Per activation: the receipt's time-to-halt (commit to the last instance's apply), ms. */
  timeToHaltMs: LatencySummary;
  /** Every (instance, activation) apply lag pooled, ms: what one instance typically sees. */
  pooledLagMs: LatencySummary;
  /** How long the writer waited for each receipt (includes the registry poll interval), ms. */
  receiptWaitMs: LatencySummary;
  /** Activations whose receipt did not confirm every instance within its timeout (not in the percentiles). */
  incomplete: number;
}

const CHILD = fileURLToPath(new URL('./propagation-child.ts', import.meta.url));

function startReader(config: ChildConfig): { process: ChildProcess; ready: Promise<void> } {
  const child = fork(CHILD, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, RTV_PROPAGATION_CHILD: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('a time-to-halt reader did not start within 60 s')), 60_000);
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve();
      } else if (message.type === 'failed') reject(new Error(`time-to-halt reader failed: ${message.error}`));
    });
    child.once('exit', (code) => reject(new Error(`a time-to-halt reader exited (${code})`)));
  });
  return { process: child, ready };
}

export async function benchTimeToHalt(
  env: BenchEnvironment,
  settings: Pick<BenchSettings, 'propagationReaders' | 'propagationTrials' | 'propagationPollMs'>,
): Promise<TimeToHaltResult> {
  const processes = settings.propagationReaders;
  const audit = createAuditEmitter({ db: env.handle.db });
  const writer = createKillSwitchService({
    db: env.handle.db,
    redis: env.redis,
    audit,
    keyPrefix: env.keyPrefix,
    sweepIntervalMs: 0,
    fleet: { register: false, serviceName: 'bench-writer', receiptTimeoutMs: 10_000 },
  });
  const readers: ChildProcess[] = [];
  try {
    await writer.ready();
    const action = 'time_to_halt';
    const sw = await writer.create({ scope: 'action', targetType: 'action', targetValue: action, createdBy: 'bench' });
    const config: ChildConfig = {
      role: 'reader',
      databaseUrl: env.databaseUrl,
      redisUrl: env.redisUrl,
      keyPrefix: env.keyPrefix,
      pubSub: true,
      pollIntervalMs: settings.propagationPollMs,
      pacing: 'paced',
      switchId: sw.id,
      context: { clientId: 'client_time_to_halt', action },
      countBytes: false,
    };
    const started = Array.from({ length: processes }, () => startReader(config));
    readers.push(...started.map((s) => s.process));
    await Promise.all(started.map((s) => s.ready));
    // Every reader registered (its first heartbeat) before the first trial.
    const deadline = Date.now() + 30_000;
    while ((await writer.fleet.instances()).filter((i) => i.state === 'current').length < processes) {
      if (Date.now() > deadline) throw new Error(`fewer than ${processes} readers registered within 30 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const halts: FleetReceipt[] = [];
    for (let trial = 0; trial < settings.propagationTrials; trial++) {
      await new Promise((r) => setTimeout(r, Math.random() * 20));
      await writer.activate({ id: sw.id, reason: 'time-to-halt benchmark trial', activatedBy: 'bench' });
      halts.push(await writer.fleet.awaitReceipt());
      await writer.deactivate({ id: sw.id, reason: 'time-to-halt benchmark release', deactivatedBy: 'bench' });
      await writer.fleet.awaitReceipt();
    }
    const complete = halts.filter((h) => h.complete && h.timeToHaltMs !== null);
    return {
      processes,
      trials: halts.length,
      timeToHaltMs: summarize(complete.map((h) => h.timeToHaltMs ?? 0)),
      pooledLagMs: summarize(complete.flatMap((h) => h.confirmed.map((c) => c.lagMs))),
      receiptWaitMs: summarize(halts.map((h) => h.waitedMs)),
      incomplete: halts.length - complete.length,
    };
  } finally {
    for (const child of readers) if (child.connected) child.send({ type: 'stop' });
    await Promise.all(
      readers.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
    await writer.close();
    await audit.close();
  }
}
