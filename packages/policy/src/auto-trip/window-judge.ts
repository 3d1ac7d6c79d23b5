/**
 * Decides whether a window crosses its threshold, outside cooldown, and
 * hands a trip to the executor. The sums are the fleet's when given (fleet
 * mode), else this worker's own window.
 */
import type { KeyEntry, TargetState } from './key-registry';
import { type WindowSums, emptySums } from './rolling-counter';
import { NO_TRIP, decide } from './trip-decision';
import type { TripExecutor } from './trip-executor';

export interface WindowJudge {
  judgeEntry(entry: KeyEntry, sums: WindowSums | undefined, now: number): void;
  judgeTarget(owner: TargetState, sums: WindowSums | undefined, now: number): void;
}

export function createWindowJudge(trips: TripExecutor): WindowJudge {
  // Reused for every local window read: a decision allocates nothing.
  const scratch: WindowSums = emptySums();
  return {
    /** Decides on a client's window: the fleet's sums when given, else this worker's own. */
    judgeEntry(entry: KeyEntry, sums: WindowSums | undefined, now: number): void {
      const threshold = entry.owner.threshold;
      if (threshold === undefined || now < entry.cooldownUntil) return;
      const window = sums ?? entry.counter.sums(now, scratch);
      const kind = decide(threshold, window);
      if (kind !== NO_TRIP) trips.begin(entry, entry.owner, kind, window, threshold, entry.clientId, now);
    },
    /** The same for the target's aggregate over every client. */
    judgeTarget(owner: TargetState, sums: WindowSums | undefined, now: number): void {
      const threshold = owner.aggregateThreshold;
      if (threshold === undefined || now < owner.cooldownUntil) return;
      const window = sums ?? owner.aggregate.sums(now, scratch);
      const kind = decide(threshold, window);
      if (kind !== NO_TRIP) trips.begin(owner, owner, kind, window, threshold, null, now);
    },
  };
}
