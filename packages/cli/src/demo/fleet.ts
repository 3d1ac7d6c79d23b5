/**
 * The two demo services, either in this process (embedded default: one
 * PGlite in memory, changes reach them through the in-process bus) or as two
 * child processes on the real servers (each with its own service instance,
 * changes reach them through Redis), behind one interface the story drives.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AuditEmitter } from '@rtv/audit';
import type { Database } from '@rtv/db';
import { type KillSwitchService, createIncidentService, createKillSwitchService } from '@rtv/policy';
import { createEngagementWorker } from './engagement-worker';
import { createPublishingService } from './publishing-service';
import { type DemoWorker, type Outage, type Tallies, type TripReport, emptyTallies } from './traffic';
import type { WorkerMessage } from './worker-process';

export interface Fleet {
  readonly description: string;
  /** Cumulative tallies summed over both services (as last reported, for child processes). */
  tallies(): Tallies;
  setOutage(outage: Outage | null): void;
  close(): Promise<void>;
}

export interface FleetEvents {
  onTrip(trip: TripReport): void;
  onError(error: unknown, worker: string): void;
}

export function sumTallies(all: readonly Tallies[]): Tallies {
  const sum = emptyTallies();
  for (const tallies of all) {
    for (const [key, tally] of Object.entries(tallies)) {
      const into = sum[key];
      if (!into) continue;
      into.ok += tally.ok;
      into.failed += tally.failed;
      into.blocked += tally.blocked;
    }
  }
  return sum;
}

/** Both services in this process, each with its own kill-switch service instance on the shared database. */
export async function startInProcessFleet(
  options: { db: Database; audit: AuditEmitter; tickMs?: number } & FleetEvents,
): Promise<Fleet> {
  const services: KillSwitchService[] = [];
  const workers: DemoWorker[] = [];
  for (const create of [createPublishingService, createEngagementWorker]) {
    const serviceName = create === createPublishingService ? 'publishing-service' : 'engagement-worker';
    const service = createKillSwitchService({
      db: options.db,
      audit: options.audit,
      sweepIntervalMs: 0,
      fleet: { serviceName },
    });
    await service.ready();
    services.push(service);
    const worker = create({
      service,
      incidents: createIncidentService({ db: options.db, audit: options.audit }),
      tickMs: options.tickMs,
      onTrip: options.onTrip,
      onError: (error) =>
        options.onError(error, create === createPublishingService ? 'publishing-service' : 'engagement-worker'),
    });
    workers.push(worker);
  }
  for (const worker of workers) worker.start();
  return {
    description: 'two services in this process (publishing-service, engagement-worker)',
    tallies: () => sumTallies(workers.map((worker) => worker.tallies())),
    setOutage(outage) {
      for (const worker of workers) worker.setOutage(outage);
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
      await Promise.all(services.map((service) => service.close()));
    },
  };
}

const WORKER_ENTRY = fileURLToPath(new URL('./worker-process.ts', import.meta.url));

/**
 * Under `pnpm demo` (tsx) the child reuses this process's loader flags; under anything else (a test runner)
 * it loads tsx itself, which reads the root tsconfig's paths from the working directory.
 */
function typeScriptExecArgv(): string[] {
  return process.execArgv.some((arg) => arg.includes('tsx')) ? process.execArgv : ['--import', 'tsx'];
}

/** Each service in its own child process on DATABASE_URL and REDIS_URL; they report tallies over IPC. */
export async function startChildFleet(
  options: { env: NodeJS.ProcessEnv; readyTimeoutMs?: number } & FleetEvents,
): Promise<Fleet> {
  const roles = ['publishing-service', 'engagement-worker'] as const;
  const latest = new Map<string, Tallies>();
  const children: ChildProcess[] = [];
  const exited = new Map<ChildProcess, Promise<void>>();

  const startOne = (role: (typeof roles)[number]) =>
    new Promise<ChildProcess>((resolve, reject) => {
      const child = fork(WORKER_ENTRY, [role], {
        env: options.env,
        execArgv: typeScriptExecArgv(),
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(child);
      exited.set(child, new Promise((done) => child.once('exit', () => done())));
      const timer = setTimeout(
        () => reject(new Error(`${role} did not report ready within ${options.readyTimeoutMs ?? 20_000} ms`)),
        options.readyTimeoutMs ?? 20_000,
      );
      child.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve(child);
        } else if (message.type === 'tallies') {
          latest.set(role, message.tallies);
        } else if (message.type === 'trip') {
          options.onTrip(message.trip);
        } else if (message.type === 'error') {
          options.onError(new Error(message.message), role);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${role} exited with code ${code} before it was ready`));
      });
    });

  try {
    await Promise.all(roles.map(startOne));
  } catch (error) {
    for (const child of children) child.kill();
    throw error;
  }
  return {
    description: 'two child processes (publishing-service, engagement-worker), each with its own service instance',
    tallies: () => sumTallies([...latest.values()]),
    setOutage(outage) {
      for (const child of children) child.send({ type: 'outage', outage });
    },
    async close() {
      for (const child of children) if (child.connected) child.send({ type: 'stop' });
      const all = Promise.all(children.map((child) => exited.get(child)));
      const timer = setTimeout(() => {
        for (const child of children) child.kill();
      }, 10_000);
      await all;
      clearTimeout(timer);
    },
  };
}
