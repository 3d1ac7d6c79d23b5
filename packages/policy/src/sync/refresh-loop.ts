/**
 * The sync's safety net: a full sync pass (sync-step.ts) on demand and on a
 * version poll, single flight, backing off while the stores fail.
 */
import { backoffDelay } from '@rtv/db';
import { startTimer } from '../clock';
import type { Clock } from '../ports';
import type { SyncStep } from './sync-step';

export interface RefreshLoop {
  /**
   * Single-flight, but a request that arrives during a sync runs once more
   * after it: that sync may have read the stores before the change committed.
   */
  refresh(): Promise<void>;
  /** Polls every `pollIntervalMs` (backing off on failures) until stopped. */
  startPolling(): void;
  /** Stops polling and waits for a pass under way. */
  stop(): Promise<void>;
}

/** Backs off while the stores fail, up to 8x the interval with jitter, so a dead server is not hammered in step. */
export function pollDelay(consecutiveFailures: number, pollIntervalMs: number): number {
  if (consecutiveFailures === 0) return pollIntervalMs;
  return backoffDelay(consecutiveFailures, { initialMs: pollIntervalMs * 2, maxMs: pollIntervalMs * 8 });
}

export function createRefreshLoop(options: {
  step: Pick<SyncStep, 'syncOnce'>;
  clock: Clock;
  pollIntervalMs: number;
  report: (error: unknown, during: string) => void;
}): RefreshLoop {
  const { step, clock, report } = options;
  let stopped = false;
  let inFlight: Promise<void> | undefined;
  let again = false;
  let consecutiveFailures = 0;
  let cancelPoll: (() => void) | undefined;

  function refresh(): Promise<void> {
    if (inFlight) {
      again = true;
      return inFlight;
    }
    const run = async (): Promise<void> => {
      do {
        again = false;
        try {
          await step.syncOnce();
          consecutiveFailures = 0;
        } catch (error) {
          consecutiveFailures += 1;
          report(error, 'sync');
          return;
        }
      } while (again && !stopped);
    };
    inFlight = run().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  function schedulePoll(): void {
    if (stopped) return;
    const delay = pollDelay(consecutiveFailures, options.pollIntervalMs);
    cancelPoll = startTimer(clock, () => void refresh().finally(schedulePoll), delay);
  }

  return {
    refresh,
    startPolling: schedulePoll,
    async stop() {
      stopped = true;
      cancelPoll?.();
      await inFlight;
    },
  };
}
