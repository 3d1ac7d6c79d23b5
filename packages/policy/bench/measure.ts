/**
 * Small measuring helpers shared by the benchmarks: throughput over a fixed
 * time, per-call latency percentiles, and medians of repeated runs (the
 * machine has 2 noisy cores: report medians, compare ratios of one run).
 */

export interface Latency {
  p50Us: number;
  p99Us: number;
  maxUs: number;
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** Runs `op` in batches for about `durationMs`, returns ops/s. */
export async function throughputAsync(op: () => Promise<unknown>, durationMs: number): Promise<number> {
  const batch = 10_000;
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs) {
    for (let i = 0; i < batch; i++) await op();
    ops += batch;
    elapsed = performance.now() - start;
  }
  return (ops / elapsed) * 1000;
}

export function throughputSync(op: () => unknown, durationMs: number): number {
  const batch = 100_000;
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs) {
    for (let i = 0; i < batch; i++) op();
    ops += batch;
    elapsed = performance.now() - start;
  }
  return (ops / elapsed) * 1000;
}

/** Times each call on its own; the timer's own cost (~50 ns) is included. */
export async function latencyAsync(op: () => Promise<unknown>, samples: number): Promise<Latency> {
  const times = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await op();
    times[i] = performance.now() - t0;
  }
  times.sort();
  const at = (q: number) => (times[Math.min(samples - 1, Math.floor(q * samples))] as number) * 1000;
  return { p50Us: at(0.5), p99Us: at(0.99), maxUs: (times[samples - 1] as number) * 1000 };
}

export const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;
