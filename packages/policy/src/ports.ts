/**
 * Ports the service is written against; adapters (Postgres, Redis, memory)
 * live in `adapters/` and are wired by the factory.
 */

/** Time, injectable so tests can move it. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * Rare-event metrics (writes, trips, sync failures): never called per check.
 * The check path keeps plain counters, read through `checkStats()`.
 */
export interface Metrics {
  increment(name: string, labels?: Record<string, string>, value?: number): void;
  observe(name: string, value: number, labels?: Record<string, string>): void;
}

export const noopMetrics: Metrics = { increment() {}, observe() {} };

/** What an authorizer is asked. */
export interface AuthorizationRequest {
  actor: string;
  operation: 'create' | 'activate' | 'deactivate';
  switch: {
    id?: string;
    scope: string;
    clientId: string | null;
    targetType: string;
    targetValue: string;
    platform: string | null;
  };
}

/** Returns true to allow, false (or a reason string) to refuse. */
export type Authorizer = (request: AuthorizationRequest) => boolean | string | Promise<boolean | string>;
