/**
 * When the state was last confirmed fresh, and whether that is now too long
 * ago. Judged on the service's clock: one timer fires at the deadline and
 * asks the clock again (a confirmation in between moves the deadline, and
 * the timer is re-armed for the rest), so a test clock drives it.
 */
import { startTimer } from '../clock';
import type { Clock, Metrics } from '../ports';

export interface Staleness {
  readonly stale: boolean;
  readonly confirmedAt: number;
  /** The state is fresh as of now. */
  confirm(): void;
  /** Starts watching the deadline (from the creation time until a first confirmation). */
  start(): void;
  stop(): void;
}

export function createStaleness(clock: Clock, maxStalenessMs: number, metrics: Metrics): Staleness {
  let confirmedAt = clock.now();
  let stale = false;
  let stopped = false;
  let cancelTimer: (() => void) | undefined;

  function arm(): void {
    if (stopped || cancelTimer) return;
    const remaining = confirmedAt + maxStalenessMs - clock.now();
    cancelTimer = startTimer(clock, fire, Math.max(0, remaining));
  }

  function fire(): void {
    cancelTimer = undefined;
    if (stopped) return;
    if (clock.now() - confirmedAt < maxStalenessMs) {
      arm();
      return;
    }
    if (!stale) metrics.increment('kill_switch_state_stale_total');
    stale = true;
  }

  return {
    get stale() {
      return stale;
    },
    get confirmedAt() {
      return confirmedAt;
    },
    confirm() {
      confirmedAt = clock.now();
      stale = false;
      arm();
    },
    start: arm,
    stop() {
      stopped = true;
      cancelTimer?.();
    },
  };
}
