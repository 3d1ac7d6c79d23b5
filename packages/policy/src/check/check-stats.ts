/**
 * Counters of the check path: plain numbers and a fixed-bucket histogram of
 * a SAMPLE of checks (timing every check would cost a quarter of it), turned
 * into a report only when read.
 */

/** Upper bounds in ms; a check normally lands in the first two. */
export const CHECK_DURATION_BUCKETS_MS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5, 25, 100,
];

/** One check in this many is timed for the histogram (a power of two: the test is a mask). */
export const CHECK_TIMING_SAMPLE = 64;

export class CheckCounters {
  checks = 0;
  tripped = 0;
  failedClosed = 0;
  /** Timed checks: the histogram's count. */
  sampled = 0;
  durationSumMs = 0;
  /** Non-cumulative counts per bucket; the last slot is +Inf. */
  readonly buckets = new Float64Array(CHECK_DURATION_BUCKETS_MS.length + 1);

  /** Counts a check; returns whether this one should be timed. */
  count(tripped: boolean): boolean {
    const n = ++this.checks;
    if (tripped) this.tripped++;
    return (n & (CHECK_TIMING_SAMPLE - 1)) === 0;
  }

  recordDuration(durationMs: number): void {
    this.sampled++;
    this.durationSumMs += durationMs;
    let i = 0;
    const bounds = CHECK_DURATION_BUCKETS_MS;
    while (i < bounds.length && durationMs > (bounds[i] as number)) i++;
    (this.buckets as Float64Array)[i] = (this.buckets[i] as number) + 1;
  }

  /** Cumulative counts, Prometheus style (`le`), ending with +Inf. */
  cumulative(): number[] {
    const out: number[] = [];
    let running = 0;
    for (const count of this.buckets) {
      running += count;
      out.push(running);
    }
    return out;
  }
}
