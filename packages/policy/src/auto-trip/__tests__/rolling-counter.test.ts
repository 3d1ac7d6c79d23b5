import { describe, expect, it } from 'vitest';
import { RollingCounter, bucketLayout, emptySums } from '../rolling-counter';

const layout = bucketLayout(60_000, 10); // 6 s buckets
const t0 = 1_700_000_000_000 - (1_700_000_000_000 % 6_000); // a bucket start

describe('RollingCounter', () => {
  it('counts totals and errors inside the window', () => {
    const c = new RollingCounter(layout);
    c.record(t0, t0, true, Number.NaN, Number.NaN);
    c.record(t0 + 1, t0 + 1, false, Number.NaN, Number.NaN);
    c.record(t0 + 7_000, t0 + 7_000, true, Number.NaN, Number.NaN);
    const s = c.sums(t0 + 7_000, emptySums());
    expect(s.total).toBe(3);
    expect(s.errors).toBe(2);
    expect(s.lastTotal).toBe(1);
  });

  it('expires buckets as time passes, one bucket at a time', () => {
    const c = new RollingCounter(layout);
    c.record(t0, t0, true, Number.NaN, Number.NaN);
    c.record(t0 + 30_000, t0 + 30_000, true, Number.NaN, Number.NaN);
    expect(c.sums(t0 + 59_999, emptySums()).total).toBe(2);
    // The first bucket leaves the window once ten newer buckets exist.
    expect(c.sums(t0 + 60_000, emptySums()).total).toBe(1);
    expect(c.sums(t0 + 90_000, emptySums()).total).toBe(0);
  });

  it('empties entirely after a gap longer than the window', () => {
    const c = new RollingCounter(layout);
    for (let i = 0; i < 100; i++) c.record(t0 + i, t0 + i, i % 2 === 0, 10, 1);
    const s = c.sums(t0 + 10 * 60_000, emptySums());
    expect(s).toMatchObject({ total: 0, errors: 0, latencySum: 0, latencyCount: 0, costSum: 0, costCount: 0 });
  });

  it('drops samples older than the window and clamps future ones to now', () => {
    const c = new RollingCounter(layout);
    const now = t0 + 120_000;
    expect(c.record(t0, now, true, Number.NaN, Number.NaN)).toBe(false);
    expect(c.record(now + 3_600_000, now, true, Number.NaN, Number.NaN)).toBe(true);
    // Late but inside the window: counted in its own (older) bucket.
    expect(c.record(now - 20_000, now, false, Number.NaN, Number.NaN)).toBe(true);
    const s = c.sums(now, emptySums());
    expect(s.total).toBe(2);
    expect(s.lastTotal).toBe(1);
  });

  it('keeps latency and cost apart from calls that reported none, and counts a zero as a sample', () => {
    const c = new RollingCounter(layout);
    c.record(t0, t0, false, 100, Number.NaN);
    c.record(t0, t0, false, 0, 5);
    c.record(t0, t0, false, Number.NaN, Number.NaN);
    const s = c.sums(t0, emptySums());
    expect(s).toMatchObject({ total: 3, latencySum: 100, latencyCount: 2, costSum: 5, costCount: 1 });
  });

  it('running totals equal a recount of the buckets after a long random walk', () => {
    const c = new RollingCounter(layout);
    let now = t0;
    const samples: { at: number; failed: boolean }[] = [];
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (let i = 0; i < 5_000; i++) {
      now += Math.floor(random() * 2_000);
      const at = now - Math.floor(random() * 70_000);
      const failed = random() < 0.3;
      if (c.record(at, now, failed, Number.NaN, Number.NaN)) samples.push({ at: Math.min(at, now), failed });
    }
    const headIndex = Math.floor(now / layout.bucketMs);
    const inWindow = samples.filter((s) => Math.floor(s.at / layout.bucketMs) > headIndex - layout.bucketCount);
    const s = c.sums(now, emptySums());
    expect(s.total).toBe(inWindow.length);
    expect(s.errors).toBe(inWindow.filter((x) => x.failed).length);
  });

  it('visits each non-empty bucket once with its start index, and clear() forgets them', () => {
    const c = new RollingCounter(layout);
    c.record(t0, t0, true, Number.NaN, Number.NaN);
    c.record(t0 + 12_000, t0 + 12_000, false, Number.NaN, Number.NaN);
    const seen: [number, number][] = [];
    c.forEachBucket((index, data, base) => seen.push([index, data[base] as number]));
    expect(seen).toEqual([
      [t0 / 6_000, 1],
      [t0 / 6_000 + 2, 1],
    ]);
    c.clear();
    const after: number[] = [];
    c.forEachBucket((index) => after.push(index));
    expect(after).toEqual([]);
  });
});
