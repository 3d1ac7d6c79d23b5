/**
 * A per-key fixed window of one minute, in memory: a noisy or hostile sender
 * cannot flood the audit trail through one trigger. Bounded in keys.
 */
export interface RateLimiter {
  /** True when this call is within the limit (and counts it). */
  take(key: string, nowMs: number): boolean;
}

export function createRateLimiter(perMinute: number, maxKeys = 10_000): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    take(key, nowMs) {
      const start = Math.floor(nowMs / 60_000) * 60_000;
      const current = windows.get(key);
      if (!current || current.start !== start) {
        if (windows.size >= maxKeys) windows.clear();
        windows.set(key, { start, count: 1 });
        return true;
      }
      current.count++;
      return current.count <= perMinute;
    },
  };
}
