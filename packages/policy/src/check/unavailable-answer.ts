import type { Clock } from '../ports';
/**
 * The answer of a check when the state cannot be used (not loaded, stale,
 * or the service closed): decided by the failure policy, and built once per
 * distinct reason, so a stale state answers the same object until its age
 * in seconds moves. Off the hot path.
 */
import type { SnapshotSync } from '../sync/snapshot-sync';
import type { CheckCounters } from './check-stats';
import { type Verdict, policyDecision } from './decision';

export interface UnavailableAnswer extends Verdict {
  reason: string;
}

export interface UnavailableAnswerOptions {
  sync: Pick<SnapshotSync, 'current' | 'confirmedAt'>;
  clock: Clock;
  failOpen: boolean;
  maxStalenessMs: number;
  startupTimeoutMs: number;
  counters: CheckCounters;
  isClosed: () => boolean;
}

export function createUnavailableAnswer(options: UnavailableAnswerOptions): () => UnavailableAnswer {
  const { sync, clock, failOpen, counters } = options;
  const failing = failOpen ? 'open' : 'closed';
  let last: UnavailableAnswer | undefined;

  function reasonNow(): string {
    if (options.isClosed()) return `Kill-switch service is closed; failing ${failing}`;
    if (sync.current === undefined) {
      return `Kill-switch state unavailable: not loaded within ${options.startupTimeoutMs} ms (startupTimeoutMs); failing ${failing}`;
    }
    const ageS = Math.round((clock.now() - sync.confirmedAt) / 1000);
    return `Kill-switch state unavailable: not confirmed for ${ageS}s (maxStalenessMs ${options.maxStalenessMs}); failing ${failing}`;
  }

  return () => {
    if (!failOpen) {
      counters.failedClosed++;
      counters.tripped++;
    }
    const reason = reasonNow();
    if (last?.reason !== reason) {
      const code = options.isClosed() ? 'SERVICE_CLOSED' : 'STATE_UNAVAILABLE';
      last = { reason, ...policyDecision(!failOpen, code, reason, sync.current?.version ?? -1) };
    }
    return last;
  };
}
