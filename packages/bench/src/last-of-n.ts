/**
 * Propagation is judged per flip by the LAST reader to see it (a fleet is stopped when its slowest
 * instance is), not by pooling every (reader, flip) pair, which hides the slow tail among fast readers.
 */
import { type LatencySummary, summarize } from './measure-ops';

export interface FlipArrivals {
  /** When the change was committed (or published), on the clock the arrivals use. */
  origin: number;
  /** When each reader answered with the new state; undefined when it did not within the deadline. */
  arrivals: Array<number | undefined>;
}

export interface LastOfN {
  /** Per complete flip: the last reader's arrival minus the origin. */
  perFlip: number[];
  summary: LatencySummary;
  /** Flips that some reader never saw (not in the percentiles; a target is missed when any exist). */
  incomplete: number;
}

export function lastOfN(flips: FlipArrivals[], readers: number): LastOfN {
  const perFlip: number[] = [];
  let incomplete = 0;
  for (const flip of flips) {
    if (flip.arrivals.length !== readers) {
      throw new Error(`a flip has ${flip.arrivals.length} arrivals for ${readers} readers`);
    }
    let last = Number.NEGATIVE_INFINITY;
    let missing = false;
    for (const at of flip.arrivals) {
      if (at === undefined) missing = true;
      else if (at > last) last = at;
    }
    if (missing) incomplete++;
    else perFlip.push(last - flip.origin);
  }
  return { perFlip, summary: summarize(perFlip), incomplete };
}
