/**
 * Retry delays that grow with each consecutive failure and are spread at
 * random, so many instances recovering together do not retry in step.
 */
export interface BackoffOptions {
  /** Wait before the first retry, in ms. @default 500 */
  initialMs?: number;
  /** Longest wait, in ms. @default 60000 */
  maxMs?: number;
  /** Growth per consecutive failure. @default 2 */
  factor?: number;
  /** Random spread as a fraction of the wait (0 = none). @default 0.2 */
  jitter?: number;
}

/** The wait before retry number `attempt` (1 for the first retry). */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const initialMs = options.initialMs ?? 500;
  const maxMs = options.maxMs ?? 60_000;
  const factor = options.factor ?? 2;
  const jitter = options.jitter ?? 0.2;
  const base = Math.min(maxMs, initialMs * factor ** Math.max(0, attempt - 1));
  const spread = base * jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(Math.min(maxMs, base + spread)));
}
