/**
 * The floor under propagation over pub/sub: PUBLISH to N bare subscriber processes on the same Redis and
 * machine, and the time to the LAST of them receiving, per message. No service, no snapshot, no database:
 * what the sync path's pub/sub leg cannot beat on this machine at this moment. Run with idle
 * subscribers, and with subscribers awake every millisecond as the propagation readers are (what
 * eight processes busy that way cost on two cores, with none of our code).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchEnvironment } from '../environment';
import { lastOfN } from '../last-of-n';
import type { LatencySummary } from '../measure-ops';
import type { BenchSettings } from '../settings';
import type { FloorChildMessage } from './pubsub-floor-child';

export interface PubSubFloorResult {
  /** `idle`: bare subscribers; `paced`: each also wakes every millisecond, as the propagation readers do to check. */
  pacing: 'idle' | 'paced';
  subscribers: number;
  messages: number;
  /** Per message: PUBLISH sent to the last subscriber's receipt, ms. */
  lastOfNMs: LatencySummary;
  timeouts: number;
}

export async function benchPubSubFloor(
  env: BenchEnvironment,
  settings: BenchSettings,
  pacing: PubSubFloorResult['pacing'] = 'idle',
): Promise<PubSubFloorResult> {
  const channel = `${env.keyPrefix}pubsub-floor`;
  const script = fileURLToPath(new URL('./pubsub-floor-child.ts', import.meta.url));
  const received = new Map<number, Array<number | undefined>>();
  let ready = 0;
  const children: ChildProcess[] = [];
  const n = settings.propagationReaders;
  for (let i = 0; i < n; i++) {
    const child = fork(script, [env.redisUrl, channel, pacing], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (message: FloorChildMessage) => {
      if (message.type === 'ready') ready++;
      else {
        const list = received.get(message.trial) ?? Array.from({ length: n }, () => undefined);
        list[i] = message.at;
        received.set(message.trial, list);
      }
    });
    children.push(child);
  }
  try {
    const startDeadline = Date.now() + 60_000;
    while (ready < n) {
      if (Date.now() > startDeadline) throw new Error('pub/sub floor subscribers did not start within 60 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    const flips: Array<{ origin: number; arrivals: Array<number | undefined> }> = [];
    for (let trial = 0; trial < settings.propagationTrials; trial++) {
      // The same random pause as the propagation trials.
      await new Promise((r) => setTimeout(r, Math.random() * 20));
      const origin = performance.timeOrigin + performance.now();
      await env.redis.publish(channel, String(trial));
      const deadline = Date.now() + 5_000;
      while ((received.get(trial)?.filter((at) => at !== undefined).length ?? 0) < n && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1));
      }
      flips.push({ origin, arrivals: received.get(trial) ?? Array.from({ length: n }, () => undefined) });
    }
    const result = lastOfN(flips, n);
    return { pacing, subscribers: n, messages: flips.length, lastOfNMs: result.summary, timeouts: result.incomplete };
  } finally {
    for (const child of children) if (child.exitCode === null) child.send({ type: 'stop' });
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            const timer = setTimeout(() => {
              child.kill('SIGKILL');
              resolve();
            }, 5_000);
            child.on('exit', () => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
  }
}
