/**
 * Propagation across processes: one activator and N reader processes on the same PostgreSQL and Redis
 * (same keyPrefix, beside the realistic snapshot's switches); the activator flips a switch (alternating
 * activate and deactivate), the readers check `isTripped` every millisecond. Per flip, the time from the
 * activator's commit to the LAST reader's flipped answer (last-of-N, last-of-n.ts); percentiles are over
 * flips. Run with pub/sub and with pub/sub off in the readers (`pubSub: false`, version polling only).
 * Each reader's Redis connections go through a byte-counting relay: bytes read per flip per instance.
 * A random pause before each trial spreads the trials over the poll phase. The first flips after the
 * processes start (cold code, the first garbage collections) are warm-up, reported apart.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createAuditEmitter } from '@rtv/audit';
import { createKillSwitchService } from '@rtv/policy';
import type { BenchEnvironment } from '../environment';
import { lastOfN } from '../last-of-n';
import { type LatencySummary, median, summarize } from '../measure-ops';
import type { BenchSettings } from '../settings';
import type { ChildConfig, ChildMessage, ParentMessage } from './propagation-child';

export interface PropagationResult {
  mode: 'pubsub' | 'poll-only';
  /** True for the diagnostic run whose readers spin without pause (a CPU stress, not judged against the targets). */
  diagnostic: boolean;
  pacing: 'paced' | 'spin';
  processes: number;
  readers: number;
  trials: number;
  pollIntervalMs: number;
  /** Per flip: commit (acknowledged to the activator) to the LAST reader's flipped answer, ms. */
  fromCommitMs: LatencySummary;
  /** Per flip: the activator's call to activate/deactivate to the last reader, ms (includes the write itself). */
  fromCallMs: LatencySummary;
  /** The old, flattering aggregation, for comparison only: every (reader, flip) pair pooled. */
  pooledFromCommitMs: LatencySummary;
  /** Raw per-flip figures (last reader from commit), ms. */
  perFlipFromCommitMs: number[];
  /** The warm-up flips before them (right after the processes started), last reader from commit, ms: not in the percentiles. */
  warmupFromCommitMs: number[];
  /** Flips some reader had not seen within the deadline (counted, not in the percentiles). */
  timeouts: number;
  /** Bytes each reader instance read from Redis per flip (relay count over the run / flips): median and max over readers. */
  bytesPerFlipPerInstance: { median: number; max: number };
}

interface Child {
  process: ChildProcess;
  messages: ChildMessage[];
  waiters: Array<() => void>;
}

function startChild(config: ChildConfig): Child {
  const child: Child = {
    process: fork(fileURLToPath(new URL('./propagation-child.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, RTV_PROPAGATION_CHILD: JSON.stringify(config) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
    messages: [],
    waiters: [],
  };
  child.process.on('message', (message: ChildMessage) => {
    child.messages.push(message);
    for (const wake of child.waiters.splice(0)) wake();
  });
  child.process.on('exit', () => {
    for (const wake of child.waiters.splice(0)) wake();
  });
  return child;
}

/** The first message of `child` (from `from` on) that satisfies `match`, or undefined at the deadline. */
async function nextMessage<T extends ChildMessage>(
  child: Child,
  from: number,
  match: (m: ChildMessage) => m is T,
  deadline: number,
): Promise<T | undefined> {
  for (;;) {
    for (let i = from; i < child.messages.length; i++) {
      const message = child.messages[i] as ChildMessage;
      if (message.type === 'failed') throw new Error(`propagation child failed: ${message.error}`);
      if (match(message)) return message;
    }
    const left = deadline - Date.now();
    if (left <= 0 || child.process.exitCode !== null) return undefined;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, left);
      child.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

export async function benchPropagation(
  env: BenchEnvironment,
  settings: BenchSettings,
  mode: PropagationResult['mode'],
  diagnostic?: { pacing: 'spin' },
): Promise<PropagationResult> {
  const processes = settings.propagationReaders + 1;
  const pacing: PropagationResult['pacing'] = diagnostic?.pacing ?? 'paced';
  const audit = createAuditEmitter({ db: env.handle.db });
  const admin = createKillSwitchService({
    db: env.handle.db,
    redis: env.redis,
    audit,
    keyPrefix: env.keyPrefix,
    sweepIntervalMs: 0,
  });
  const action = `propagation_${mode.replace('-', '_')}${diagnostic ? '_diagnostic' : ''}`;
  const sw = await admin.create({ scope: 'action', targetType: 'action', targetValue: action, createdBy: 'bench' });
  await admin.close();
  await audit.close();

  const base = {
    databaseUrl: env.databaseUrl,
    redisUrl: env.redisUrl,
    keyPrefix: env.keyPrefix,
    pollIntervalMs: settings.propagationPollMs,
    pacing,
    switchId: sw.id,
    context: { clientId: 'client_propagation', action },
    countBytes: true,
  };
  const children: Child[] = [];
  try {
    const activator = startChild({ ...base, role: 'activator', pubSub: true });
    children.push(activator);
    const readers: Child[] = [];
    for (let i = 1; i < processes; i++) {
      readers.push(startChild({ ...base, role: 'reader', pubSub: mode === 'pubsub' }));
    }
    children.push(...readers);
    const isReady = (m: ChildMessage): m is Extract<ChildMessage, { type: 'ready' }> => m.type === 'ready';
    for (const child of children) {
      const ready = await nextMessage(child, 0, isReady, Date.now() + 60_000);
      if (!ready) throw new Error('a propagation child did not start within 60 s');
      if (ready.tripped) throw new Error('the propagation switch is active before the first trial');
    }

    const pooled: number[] = [];
    const warmup: Array<{ origin: number; arrivals: Array<number | undefined> }> = [];
    const fromCommit: Array<{ origin: number; arrivals: Array<number | undefined> }> = [];
    const fromCall: Array<{ origin: number; arrivals: Array<number | undefined> }> = [];
    const firstBytes: number[] = [];
    const lastBytes: number[] = [];
    let flipsCounted = 0;
    const pauseMs = mode === 'pubsub' ? 20 : settings.propagationPollMs;
    const deadlineMs = settings.propagationPollMs * 3 + 5_000;
    const warmupTrials = settings.propagationWarmupTrials;
    for (let trial = 0; trial < warmupTrials + settings.propagationTrials; trial++) {
      await new Promise((r) => setTimeout(r, Math.random() * pauseMs));
      const activate = trial % 2 === 0;
      const marks = readers.map((r) => r.messages.length);
      const activatorMark = activator.messages.length;
      const message: ParentMessage = { type: 'flip', trial, activate };
      activator.process.send(message);
      const deadline = Date.now() + deadlineMs;
      const isCommitted = (m: ChildMessage): m is Extract<ChildMessage, { type: 'committed' }> =>
        m.type === 'committed' && m.trial === trial;
      const committed = await nextMessage(activator, activatorMark, isCommitted, deadline);
      if (!committed?.changed) throw new Error(`trial ${trial}: the activator did not change the switch`);
      const isFlip = (m: ChildMessage): m is Extract<ChildMessage, { type: 'flipped' }> =>
        m.type === 'flipped' && m.tripped === activate;
      const flips = await Promise.all(readers.map((r, i) => nextMessage(r, marks[i] as number, isFlip, deadline)));
      const arrivals = flips.map((flip) => flip?.at);
      if (trial < warmupTrials) {
        warmup.push({ origin: committed.commitAt, arrivals });
        if (flips.some((f) => !f)) break;
        continue;
      }
      fromCommit.push({ origin: committed.commitAt, arrivals });
      fromCall.push({ origin: committed.startAt, arrivals });
      for (const flip of flips) if (flip) pooled.push(flip.at - committed.commitAt);
      // Bytes between the first and the last complete flip, per reader.
      if (flips.every((f) => f)) {
        flips.forEach((flip, i) => {
          if (flipsCounted === 0) firstBytes[i] = flip?.bytesIn ?? 0;
          lastBytes[i] = flip?.bytesIn ?? 0;
        });
        flipsCounted++;
      }
      if (flips.some((f) => !f)) {
        // A reader that missed this trial would misread the next one: stop here, counted.
        break;
      }
    }
    const commit = lastOfN(fromCommit, readers.length);
    const perReaderBytes = readers.map(
      (_, i) => ((lastBytes[i] ?? 0) - (firstBytes[i] ?? 0)) / Math.max(1, flipsCounted - 1),
    );
    return {
      mode,
      diagnostic: diagnostic !== undefined,
      pacing,
      processes,
      readers: readers.length,
      trials: settings.propagationTrials,
      pollIntervalMs: settings.propagationPollMs,
      fromCommitMs: commit.summary,
      fromCallMs: lastOfN(fromCall, readers.length).summary,
      pooledFromCommitMs: summarize(pooled),
      perFlipFromCommitMs: commit.perFlip.map((v) => Math.round(v * 1000) / 1000),
      warmupFromCommitMs: lastOfN(warmup, readers.length).perFlip.map((v) => Math.round(v * 1000) / 1000),
      timeouts: commit.incomplete,
      bytesPerFlipPerInstance: { median: median(perReaderBytes), max: Math.max(...perReaderBytes) },
    };
  } finally {
    await stopChildren(children);
  }
}

/** Asks each child to stop, and kills what has not exited 10 s later. */
async function stopChildren(children: readonly Child[]): Promise<void> {
  for (const child of children) {
    if (child.process.exitCode === null) child.process.send({ type: 'stop' } satisfies ParentMessage);
  }
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.process.exitCode !== null) return resolve();
          const timer = setTimeout(() => {
            child.process.kill('SIGKILL');
            resolve();
          }, 10_000);
          child.process.on('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    ),
  );
}
