/**
 * A clock a test moves by hand. It implements `setTimer`, so a service built
 * on it runs its staleness timer, polls and sweeps on test time: moving the
 * clock to 4:59 and then 5:01 is all it takes to watch a state go stale.
 */
import { ValidationError } from '../errors';
import type { Clock } from '../ports';

export interface TestClock extends Clock {
  now(): number;
  setTimer(callback: () => void, ms: number): () => void;
  /** Moves time forward, firing each timer that falls due, in order, at its own instant. */
  advance(ms: number): void;
  /** Jumps to an instant (forward fires due timers; backward fires none). */
  set(epochMs: number): void;
  /** Lets the work the fired timers started (promises, I/O on memory adapters) settle. */
  flush(): Promise<void>;
  /** Timers waiting to fire. */
  pendingTimers(): number;
}

interface Pending {
  at: number;
  order: number;
  callback: () => void;
}

/** @param start epoch ms the clock starts at @default 2026-01-01T00:00:00Z */
export function createTestClock(start = Date.UTC(2026, 0, 1)): TestClock {
  let now = start;
  let order = 0;
  const timers = new Set<Pending>();

  function nextDue(until: number): Pending | undefined {
    let next: Pending | undefined;
    for (const timer of timers) {
      if (timer.at > until) continue;
      if (!next || timer.at < next.at || (timer.at === next.at && timer.order < next.order)) next = timer;
    }
    return next;
  }

  function runUntil(target: number): void {
    for (let due = nextDue(target); due; due = nextDue(target)) {
      timers.delete(due);
      now = Math.max(now, due.at);
      due.callback();
    }
    now = target;
  }

  return {
    now: () => now,
    setTimer(callback, ms) {
      const timer: Pending = { at: now + Math.max(0, ms), order: order++, callback };
      timers.add(timer);
      return () => {
        timers.delete(timer);
      };
    },
    advance(ms) {
      if (!(ms >= 0)) {
        throw new ValidationError('advance(ms) takes a non-negative number of milliseconds', [
          { field: 'ms', message: 'must be a non-negative number' },
        ]);
      }
      runUntil(now + ms);
    },
    set(epochMs) {
      if (epochMs >= now) runUntil(epochMs);
      else now = epochMs;
    },
    async flush() {
      for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    },
    pendingTimers: () => timers.size,
  };
}
