/**
 * A sliding window of call outcomes as a ring of time buckets (cockatiel's SamplingBreaker shape).
 * O(1) per record and per read, fixed memory per key: the auto-trip monitor keeps one per (target, client).
 */

/** Fields of one bucket, laid out side by side in one Float64Array (one allocation per counter). */
export const FIELD_TOTAL = 0;
export const FIELD_ERRORS = 1;
export const FIELD_LATENCY_SUM = 2;
export const FIELD_LATENCY_COUNT = 3;
export const FIELD_COST_SUM = 4;
export const FIELD_COST_COUNT = 5;
export const FIELD_COUNT = 6;

/**
 * The figures the trip decision reads: the whole window, and its latest
 * bucket apart (the spike checks compare the latest bucket with the rest).
 */
export interface WindowSums {
  total: number;
  errors: number;
  latencySum: number;
  latencyCount: number;
  costSum: number;
  costCount: number;
  /** The latest bucket alone (included in the window figures above). */
  lastTotal: number;
  lastLatencySum: number;
  lastLatencyCount: number;
  lastCostSum: number;
  lastCostCount: number;
}

export const emptySums = (): WindowSums => ({
  total: 0,
  errors: 0,
  latencySum: 0,
  latencyCount: 0,
  costSum: 0,
  costCount: 0,
  lastTotal: 0,
  lastLatencySum: 0,
  lastLatencyCount: 0,
  lastCostSum: 0,
  lastCostCount: 0,
});

/** How a window of `windowMs` is cut into buckets; shared by every counter of a monitor. */
export interface BucketLayout {
  readonly bucketCount: number;
  readonly bucketMs: number;
}

export function bucketLayout(windowMs: number, bucketCount: number): BucketLayout {
  // Whole milliseconds, so every worker of a fleet derives the same bucket starts.
  return { bucketCount, bucketMs: Math.max(1, Math.ceil(windowMs / bucketCount)) };
}

/**
 * Bucket `i` (time `[i * bucketMs, (i + 1) * bucketMs)`) lives in slot
 * `i % bucketCount`; the window is the buckets `(head - bucketCount, head]`.
 * A sample therefore counts for at most `bucketCount * bucketMs` (the window)
 * and at least one bucket less, which is the usual price of bucketing.
 */
export class RollingCounter {
  private readonly data: Float64Array;
  /** Index of the newest bucket; -1 before the first record. */
  private head = -1;
  // Running totals of the window, so reads are O(1) rather than O(buckets).
  private total = 0;
  private errors = 0;
  private latencySum = 0;
  private latencyCount = 0;
  private costSum = 0;
  private costCount = 0;

  constructor(private readonly layout: BucketLayout) {
    this.data = new Float64Array(layout.bucketCount * FIELD_COUNT);
  }

  /** Index of the bucket holding instant `ms`. */
  bucketIndex(ms: number): number {
    return Math.floor(ms / this.layout.bucketMs);
  }

  /**
   * Counts one outcome at `at` (ms), seen at `now` (ms). Samples older than
   * the window are dropped (returns false); samples from the future are
   * counted now, so a skewed caller cannot park counts ahead of the window.
   */
  record(at: number, now: number, failed: boolean, latencyMs: number, costCents: number): boolean {
    const nowIndex = this.bucketIndex(now);
    this.advance(nowIndex);
    // Most records are stamped "now": skip the second division then.
    let index = at === now ? nowIndex : this.bucketIndex(at);
    if (index > nowIndex) index = nowIndex;
    if (index <= this.head - this.layout.bucketCount) return false;
    const base = (index % this.layout.bucketCount) * FIELD_COUNT;
    const data = this.data;
    data[base + FIELD_TOTAL] = (data[base + FIELD_TOTAL] as number) + 1;
    this.total++;
    if (failed) {
      data[base + FIELD_ERRORS] = (data[base + FIELD_ERRORS] as number) + 1;
      this.errors++;
    }
    // NaN marks "not given": a zero latency or cost is a real measurement.
    if (!Number.isNaN(latencyMs)) {
      data[base + FIELD_LATENCY_SUM] = (data[base + FIELD_LATENCY_SUM] as number) + latencyMs;
      data[base + FIELD_LATENCY_COUNT] = (data[base + FIELD_LATENCY_COUNT] as number) + 1;
      this.latencySum += latencyMs;
      this.latencyCount++;
    }
    if (!Number.isNaN(costCents)) {
      data[base + FIELD_COST_SUM] = (data[base + FIELD_COST_SUM] as number) + costCents;
      data[base + FIELD_COST_COUNT] = (data[base + FIELD_COST_COUNT] as number) + 1;
      this.costSum += costCents;
      this.costCount++;
    }
    return true;
  }

  /** Fills `out` with the window as of `now` (expiring old buckets first); returns `out`. */
  sums(now: number, out: WindowSums): WindowSums {
    this.advance(this.bucketIndex(now));
    out.total = this.total;
    out.errors = this.errors;
    out.latencySum = this.latencySum;
    out.latencyCount = this.latencyCount;
    out.costSum = this.costSum;
    out.costCount = this.costCount;
    const base = this.head < 0 ? -1 : (this.head % this.layout.bucketCount) * FIELD_COUNT;
    const data = this.data;
    out.lastTotal = base < 0 ? 0 : (data[base + FIELD_TOTAL] as number);
    out.lastLatencySum = base < 0 ? 0 : (data[base + FIELD_LATENCY_SUM] as number);
    out.lastLatencyCount = base < 0 ? 0 : (data[base + FIELD_LATENCY_COUNT] as number);
    out.lastCostSum = base < 0 ? 0 : (data[base + FIELD_COST_SUM] as number);
    out.lastCostCount = base < 0 ? 0 : (data[base + FIELD_COST_COUNT] as number);
    return out;
  }

  /** Calls `fn` for every non-empty bucket of the window: its index and its fields. */
  forEachBucket(fn: (index: number, data: Float64Array, offset: number) => void): void {
    if (this.head < 0) return;
    const { bucketCount } = this.layout;
    for (let index = this.head - bucketCount + 1; index <= this.head; index++) {
      if (index < 0) continue;
      const base = (index % bucketCount) * FIELD_COUNT;
      if ((this.data[base + FIELD_TOTAL] as number) > 0) fn(index, this.data, base);
    }
  }

  /** Forgets everything (used for the fleet's pending increments after a flush). */
  clear(): void {
    this.data.fill(0);
    this.head = -1;
    this.total = 0;
    this.errors = 0;
    this.latencySum = 0;
    this.latencyCount = 0;
    this.costSum = 0;
    this.costCount = 0;
  }

  /** Whether the window holds no sample (as of the last record or read). */
  get isEmpty(): boolean {
    return this.total === 0;
  }

  /** Moves the head to `index`, emptying the buckets that fall out of the window. */
  private advance(index: number): void {
    const head = this.head;
    if (index <= head) return;
    const { bucketCount } = this.layout;
    if (head < 0 || index - head >= bucketCount) {
      this.data.fill(0);
      this.total = 0;
      this.errors = 0;
      this.latencySum = 0;
      this.latencyCount = 0;
      this.costSum = 0;
      this.costCount = 0;
    } else {
      const data = this.data;
      for (let i = head + 1; i <= index; i++) {
        const base = (i % bucketCount) * FIELD_COUNT;
        this.total -= data[base + FIELD_TOTAL] as number;
        this.errors -= data[base + FIELD_ERRORS] as number;
        this.latencySum -= data[base + FIELD_LATENCY_SUM] as number;
        this.latencyCount -= data[base + FIELD_LATENCY_COUNT] as number;
        this.costSum -= data[base + FIELD_COST_SUM] as number;
        this.costCount -= data[base + FIELD_COST_COUNT] as number;
        data.fill(0, base, base + FIELD_COUNT);
      }
      // Float sums drift by subtraction; snap to zero when the window is empty.
      if (this.latencyCount === 0) this.latencySum = 0;
      if (this.costCount === 0) this.costSum = 0;
    }
    this.head = index;
  }
}
