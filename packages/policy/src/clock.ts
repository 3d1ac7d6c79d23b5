/**
 * The system clock, and timers that run on whichever clock the service was
 * given: a test clock with `setTimer` drives staleness, polls and sweeps; the
 * system clock uses real timers of any length that never hold the process.
 */
import type { Clock } from './ports';

/** setTimeout's ceiling (about 24.8 days): longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function realTimer(callback: () => void, ms: number): () => void {
  let timer: NodeJS.Timeout;
  let cancelled = false;
  const arm = (remaining: number) => {
    timer = setTimeout(
      () => {
        if (cancelled) return;
        if (remaining > MAX_TIMER_MS) arm(remaining - MAX_TIMER_MS);
        else callback();
      },
      Math.min(Math.max(0, remaining), MAX_TIMER_MS),
    );
    timer.unref();
  };
  arm(ms);
  return () => {
    cancelled = true;
    clearTimeout(timer);
  };
}

export const systemClock: Clock = Object.freeze({ now: () => Date.now(), setTimer: realTimer });

/** Calls `callback` after `ms` on `clock`; returns the cancel function. */
export function startTimer(clock: Clock, callback: () => void, ms: number): () => void {
  return clock.setTimer ? clock.setTimer(callback, ms) : realTimer(callback, ms);
}
