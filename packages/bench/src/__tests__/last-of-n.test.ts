/** The last-of-N aggregation: the slowest reader per flip, never the pooled pairs. */
import { describe, expect, it } from 'vitest';
import { lastOfN } from '../last-of-n';
import { summarize } from '../measure-ops';

describe('lastOfN', () => {
  it('takes, per flip, the last reader minus the origin', () => {
    const result = lastOfN(
      [
        { origin: 100, arrivals: [101, 130, 105] },
        { origin: 200, arrivals: [250, 201, 202] },
      ],
      3,
    );
    expect(result.perFlip).toEqual([30, 50]);
    expect(result.incomplete).toBe(0);
  });

  it('reports a higher tail than pooling the (reader, flip) pairs would', () => {
    // 100 flips; in each, one reader of 8 is slow (10 ms), the others fast (1 ms).
    const flips = Array.from({ length: 100 }, (_, i) => ({
      origin: i * 1000,
      arrivals: Array.from({ length: 8 }, (_, r) => i * 1000 + (r === i % 8 ? 10 : 1)),
    }));
    const pooled = summarize(flips.flatMap((f) => f.arrivals.map((a) => a - f.origin)));
    const last = lastOfN(flips, 8).summary;
    expect(pooled.p50).toBe(1);
    expect(last.p50).toBe(10);
    expect(last.p99).toBe(10);
  });

  it('counts a flip some reader missed as incomplete, outside the percentiles', () => {
    const result = lastOfN(
      [
        { origin: 0, arrivals: [5, undefined] },
        { origin: 0, arrivals: [3, 4] },
      ],
      2,
    );
    expect(result.perFlip).toEqual([4]);
    expect(result.incomplete).toBe(1);
  });

  it('refuses a flip with the wrong number of readers', () => {
    expect(() => lastOfN([{ origin: 0, arrivals: [1] }], 8)).toThrow(/1 arrivals for 8 readers/);
  });
});
