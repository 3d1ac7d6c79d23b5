/**
 * Measuring helpers for operations from ~20 ns to ~10 ms: throughput over a
 * fixed time with batches that grow until the clock is read rarely, per-call
 * latency percentiles with a time cap, and medians of interleaved runs.
 */

export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
  samples: number;
}

export const median = (values: number[]): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export const round = (value: number, digits = 2): number => {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

/** Significant digits, for figures from nanoseconds to seconds. */
export const sig = (value: number, digits = 3): number =>
  Number.isFinite(value) && value !== 0 ? Number(value.toPrecision(digits)) : value;

/** Calls `op` one after another (each awaited) for about `durationMs`; returns ops/s. */
export async function throughput(op: () => unknown, durationMs: number): Promise<number> {
  let ops = 0;
  let batch = 1;
  const start = performance.now();
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) await op();
    ops += batch;
    const t = performance.now();
    if (t - start >= durationMs) return (ops / (t - start)) * 1000;
    if (t - t0 < 5 && batch < 65_536) batch *= 2;
  }
}

/** `concurrency` callers, each awaiting its own calls, for about `durationMs`; returns total ops/s. */
export async function concurrentThroughput(
  op: () => Promise<unknown>,
  concurrency: number,
  durationMs: number,
): Promise<number> {
  let ops = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await op();
        ops++;
      }
    }),
  );
  return (ops / (performance.now() - start)) * 1000;
}

/** Synchronous `op`, for the floor. */
export function throughputSync(op: () => unknown, durationMs: number): number {
  let ops = 0;
  const batch = 100_000;
  const start = performance.now();
  for (;;) {
    for (let i = 0; i < batch; i++) op();
    ops += batch;
    const t = performance.now();
    if (t - start >= durationMs) return (ops / (t - start)) * 1000;
  }
}

/** Times each call on its own (the timer's ~50 ns included), up to `samples` calls or `maxMs`. Microseconds. */
export async function latency(
  op: () => unknown,
  samples: number,
  maxMs = Number.POSITIVE_INFINITY,
): Promise<LatencySummary> {
  const times = new Float64Array(samples);
  const stopAt = performance.now() + maxMs;
  let n = 0;
  while (n < samples) {
    const t0 = performance.now();
    await op();
    const t1 = performance.now();
    times[n++] = t1 - t0;
    if (t1 > stopAt) break;
  }
  return summarize(Array.from(times.subarray(0, n), (ms) => ms * 1000));
}

/** `latency` for a synchronous `op`: no await between the two clock reads. Microseconds. */
export function latencySync(op: () => unknown, samples: number, maxMs = Number.POSITIVE_INFINITY): LatencySummary {
  const times = new Float64Array(samples);
  const stopAt = performance.now() + maxMs;
  let n = 0;
  while (n < samples) {
    const t0 = performance.now();
    op();
    const t1 = performance.now();
    times[n++] = t1 - t0;
    if (t1 > stopAt) break;
  }
  return summarize(Array.from(times.subarray(0, n), (ms) => ms * 1000));
}

/** p50/p99/max of a list, in its own unit. */
export function summarize(values: number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? Number.NaN, samples: sorted.length };
}

/** Median of each field over runs. */
export function medianLatency(runs: LatencySummary[]): LatencySummary {
  return {
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    max: median(runs.map((r) => r.max)),
    samples: runs.reduce((a, r) => a + r.samples, 0),
  };
}
