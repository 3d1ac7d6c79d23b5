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

/** The durable source of truth the snapshot is built from (PostgreSQL). */
export interface SnapshotSource {
  /** The active switches and the state version, read consistently in one statement. */
  load(): Promise<{ version: number; active: import('@rtv/db').KillSwitch[] }>;
  /** Just the state version: the cheap poll. */
  readVersion(): Promise<number>;
}

/** The shared copy of the snapshot (Redis), so instances need not all read PostgreSQL. */
export interface StateCache {
  /** The stored snapshot payload, or undefined when the cache lacks it. */
  read(): Promise<import('./check/snapshot').SnapshotPayload | undefined>;
  /** The stored version, or undefined when the cache lacks it. */
  readVersion(): Promise<number | undefined>;
  /** Stores the payload unless the cache already holds a newer version; returns whether it stored. */
  writeIfNewer(payload: import('./check/snapshot').SnapshotPayload): Promise<boolean>;
}

/** Tells other instances that the state version moved. Delivery may be lost: readers also poll. */
export interface ChangeBus {
  publish(version: number): Promise<void>;
  /** Returns an unsubscribe function. */
  subscribe(onVersion: (version: number) => void): Promise<() => Promise<void>>;
}
