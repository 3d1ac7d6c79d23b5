/**
 * Work started through the gate, watched for a switch that would now block it: registered work
 * is re-checked only when this instance applies a new state (a change here or on any instance),
 * never per check, and aborted with the decision when a switch now blocks it. Nothing is
 * listened to while no work runs.
 */
import type { CheckContext, KillSwitchService } from '../types';
import { trippedError } from './tripped-error';

export type WatchingService = Pick<KillSwitchService, 'check' | 'onStateChange'>;

interface Watched {
  context: CheckContext;
  controller: AbortController;
}

export interface WorkInFlight {
  /** Watches `context` until the returned function is called; `signal` aborts when a switch blocks it. */
  watch(context: CheckContext): { signal: AbortSignal; done: () => void };
  /** How much work is watched now. */
  readonly size: number;
}

export function createWorkInFlight(service: WatchingService): WorkInFlight {
  const watched = new Set<Watched>();
  let stopListening: (() => void) | undefined;

  function recheck(): void {
    for (const entry of watched) {
      let decision: ReturnType<WatchingService['check']>;
      try {
        decision = service.check(entry.context);
      } catch {
        continue; // The context was checked when the work started; it cannot turn bad.
      }
      // Only a switch cancels work: a state that went stale is the failure policy's, for the next check.
      if (!decision.tripped || decision.switch === null) continue;
      watched.delete(entry);
      entry.controller.abort(trippedError(decision));
    }
    if (watched.size === 0) release();
  }

  function release(): void {
    stopListening?.();
    stopListening = undefined;
  }

  return {
    watch(context) {
      const entry: Watched = { context: { ...context }, controller: new AbortController() };
      watched.add(entry);
      stopListening ??= service.onStateChange(recheck);
      return {
        signal: entry.controller.signal,
        done() {
          watched.delete(entry);
          if (watched.size === 0) release();
        },
      };
    },
    get size() {
      return watched.size;
    },
  };
}
