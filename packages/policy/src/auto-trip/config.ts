/**
 * The auto-trip monitor's configuration: documented options, their defaults, and their validation
 * (zod, once at construction; the hot path never sees a schema).
 */
import { z } from 'zod';
import { type FieldIssue, ValidationError } from '../errors';
import { parseTarget } from './target';

/** When a (target, client) window trips its switch. */
export interface AutoTripThreshold {
  /** Trip when failures / calls in the window reach this rate (inclusive), in (0, 1]. */
  errorRate: number;
  /** No decision before the window holds this many calls: a quiet client is not tripped by two failures. */
  minSamples: number;
  /**
   * Trip when the latest bucket's mean latency exceeds this multiple of the
   * rest of the window's mean (a spike over the baseline). Off when absent.
   */
  latencyMultiplier?: number;
  /** As `latencyMultiplier`, for the cost per call. Off when absent. */
  costMultiplier?: number;
  /**
   * Calls with a latency (or cost) that both the latest bucket and the
   * baseline must hold before a spike counts.
   * @default minSamples
   */
  spikeMinSamples?: number;
}

/** A threshold over every client of a target together; trips the target's global switch. */
export interface AutoTripAggregateThreshold {
  /** Inclusive failure rate over all clients, in (0, 1]. */
  errorRate: number;
  /** Calls over all clients the window must hold first. */
  minSamples: number;
}

export interface AutoTripMonitorConfig {
  /** Length of the sliding window, in ms. Every worker of a fleet must use the same value. */
  windowMs: number;
  /** Period of the evaluation pass in `evaluateOn: 'interval'` mode, and of the idle-key sweep, in ms. */
  checkIntervalMs: number;
  /**
   * After a trip, the same (target, client) does not trip again for this long.
   * @default 300000 (5 minutes)
   */
  cooldownMs?: number;
  /**
   * Most (target, client) windows kept; the least recently used is evicted
   * first, so unbounded client ids cannot grow memory.
   * @default 10000
   */
  maxTrackedKeys?: number;
  /**
   * Buckets per window: more is finer expiry, at more memory per key.
   * Every worker of a fleet must use the same value.
   * @default 10
   */
  bucketCount?: number;
  /**
   * `record`: each record is evaluated at once (a trip starts within
   * microseconds of the deciding failure). `interval`: a pass every
   * `checkIntervalMs` over every tracked key (needs `start()`). In fleet
   * mode evaluation follows each shared flush instead, in both modes.
   * @default 'record'
   */
  evaluateOn?: 'record' | 'interval';
  /** Per target (`platform:<name>`, `action:<name>`), per client. Targets without one are counted, never tripped. */
  thresholds: Record<string, AutoTripThreshold>;
  /** Per target, over all clients together; trips the global switch of the target. */
  aggregateThresholds?: Record<string, AutoTripAggregateThreshold>;
  /**
   * A key not recorded for this long is dropped by the sweep.
   * @default max(windowMs, cooldownMs)
   */
  idleEvictMs?: number;
  /**
   * After a failed activation the key may try again this soon (rather than after a whole cooldown).
   * @default 5000
   */
  retryAfterMs?: number;
  /**
   * Fleet mode: pending increments are pushed to Redis this often, in ms.
   * @default 100
   */
  flushIntervalMs?: number;
  /**
   * Fleet mode: a push starts early once this many records are pending.
   * @default 1000
   */
  flushMaxRecords?: number;
  /**
   * Fleet mode: a push that has not answered in this long counts as failed
   * (local counting and local evaluation go on).
   * @default 2000
   */
  redisTimeoutMs?: number;
}

/** The configuration with every default filled in. */
export type ResolvedAutoTripConfig = Required<Omit<AutoTripMonitorConfig, 'aggregateThresholds'>> & {
  aggregateThresholds: Record<string, AutoTripAggregateThreshold>;
};

const positiveInt = (field: string) =>
  z
    .number({ required_error: `${field} is required`, invalid_type_error: `${field} must be a number` })
    .int(`${field} must be a whole number`)
    .positive(`${field} must be positive`);

const rate = (field: string) =>
  z
    .number({ required_error: `${field} is required`, invalid_type_error: `${field} must be a number` })
    .gt(0, `${field} must be above 0`)
    .max(1, `${field} must be at most 1`);

const multiplier = (field: string) =>
  z
    .number({ invalid_type_error: `${field} must be a number` })
    .gt(1, `${field} must be above 1`)
    .finite()
    .optional();

const threshold = z
  .object({
    errorRate: rate('errorRate'),
    minSamples: positiveInt('minSamples'),
    latencyMultiplier: multiplier('latencyMultiplier'),
    costMultiplier: multiplier('costMultiplier'),
    spikeMinSamples: positiveInt('spikeMinSamples').optional(),
  })
  .strict();

const aggregate = z.object({ errorRate: rate('errorRate'), minSamples: positiveInt('minSamples') }).strict();

const targetKey = z.string().superRefine((key, ctx) => {
  const parsed = parseTarget(key, 'threshold key');
  if (parsed instanceof ValidationError) ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed.message });
});

const schema = z
  .object(
    {
      windowMs: positiveInt('windowMs'),
      checkIntervalMs: positiveInt('checkIntervalMs'),
      cooldownMs: z.number().int().nonnegative('cooldownMs must not be negative').optional(),
      maxTrackedKeys: positiveInt('maxTrackedKeys').optional(),
      bucketCount: positiveInt('bucketCount').max(1000, 'bucketCount must be at most 1000').optional(),
      evaluateOn: z
        .enum(['record', 'interval'], { errorMap: () => ({ message: "evaluateOn must be 'record' or 'interval'" }) })
        .optional(),
      thresholds: z.record(targetKey, threshold, { required_error: 'thresholds is required' }),
      aggregateThresholds: z.record(targetKey, aggregate).optional(),
      idleEvictMs: positiveInt('idleEvictMs').optional(),
      retryAfterMs: positiveInt('retryAfterMs').optional(),
      flushIntervalMs: positiveInt('flushIntervalMs').optional(),
      flushMaxRecords: positiveInt('flushMaxRecords').optional(),
      redisTimeoutMs: positiveInt('redisTimeoutMs').optional(),
    },
    { required_error: 'config is required', invalid_type_error: 'config must be an object' },
  )
  .strict();

/** Validates and fills defaults; throws `ValidationError` naming each bad field. */
export function resolveConfig(config: AutoTripMonitorConfig): ResolvedAutoTripConfig {
  const parsed = schema.safeParse(config);
  if (!parsed.success) {
    const issues: FieldIssue[] = parsed.error.issues.map((issue) => ({
      field: ['config', ...issue.path].join('.'),
      message: issue.code === 'unrecognized_keys' ? `unknown option(s): ${issue.keys.join(', ')}` : issue.message,
    }));
    throw new ValidationError(
      `Invalid auto-trip config: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  const c = parsed.data;
  const cooldownMs = c.cooldownMs ?? 300_000;
  return {
    windowMs: c.windowMs,
    checkIntervalMs: c.checkIntervalMs,
    cooldownMs,
    maxTrackedKeys: c.maxTrackedKeys ?? 10_000,
    bucketCount: c.bucketCount ?? 10,
    evaluateOn: c.evaluateOn ?? 'record',
    thresholds: c.thresholds,
    aggregateThresholds: c.aggregateThresholds ?? {},
    idleEvictMs: c.idleEvictMs ?? Math.max(c.windowMs, cooldownMs),
    retryAfterMs: c.retryAfterMs ?? 5_000,
    flushIntervalMs: c.flushIntervalMs ?? 100,
    flushMaxRecords: c.flushMaxRecords ?? 1_000,
    redisTimeoutMs: c.redisTimeoutMs ?? 2_000,
  };
}
