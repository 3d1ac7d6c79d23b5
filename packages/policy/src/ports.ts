/**
 * Ports the service is written against. Adapters (Postgres and PGlite,
 * Redis, memory) live in `adapters/` and are wired by `createKillSwitchService`;
 * the service itself never imports a driver.
 */
import type { AuditEventInput, Logger } from '@rtv/audit';
import type { KillSwitch, KillSwitchHistoryEntry } from '@rtv/db';
import type { SnapshotPayload, SwitchPayload } from './check/snapshot';
import type { ActivateInput, CreateSwitchInput, DeactivateInput, KillSwitchScope, KillSwitchTargetType } from './types';

export type { Logger };

/** Time, injectable so tests can move it. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Calls `callback` once `ms` have passed on this clock and returns a
   * function that cancels it. The service's timers (staleness, polling,
   * sweeps) run on it, so a test clock that implements it drives them all.
   * @default real timers that never keep the process alive, of any length
   */
  setTimer?(callback: () => void, ms: number): () => void;
}

/**
 * Rare-event metrics (writes, trips, sync failures): never called per check.
 * The check path keeps plain counters, read through `checkStats()`.
 */
export interface Metrics {
  increment(name: string, labels?: Record<string, string>, value?: number): void;
  observe(name: string, value: number, labels?: Record<string, string>): void;
}

export { systemClock } from './clock';

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

/** A switch's two coordinates: what `findByTarget` and the unique constraint key on. */
export interface SwitchTarget {
  scope: KillSwitchScope;
  targetType: KillSwitchTargetType;
  targetValue: string;
  clientId: string | null;
  platform: string | null;
}

/** Filters of `SwitchStore.list`; they combine with AND. */
export interface SwitchListFilter {
  scope?: KillSwitchScope;
  clientId?: string;
  targetType?: KillSwitchTargetType;
  /** Switches about this platform: platform targets, and actions narrowed to it. */
  platform?: string;
  /** Only switches that block at this instant (active and not expired). */
  activeAt?: Date;
}

/** What a transition returns. */
export interface StoreWriteResult {
  row: KillSwitch;
  /** False when the switch was already in the target state: nothing was written. */
  changed: boolean;
  /** True when an active switch's hold was extended or re-reasoned (an `updated` transition). */
  updated?: boolean;
  /**
   * The state version this write's commit made, when it changed the state and the store knows
   * it: a writer holding the version before it patches its snapshot instead of reloading.
   */
  version?: number;
}

/** One caller's write in a group commit (`SwitchStore.writeBatch`). */
export type BatchWrite =
  | { readonly kind: 'activate'; readonly input: ActivateInput }
  | { readonly kind: 'deactivate'; readonly input: DeactivateInput };

/**
 * What became of one write of a batch: `done` (committed with the others, or a no-op), `failed`
 * (refused on its own, e.g. an invalid step; nothing of it was written), or `busy`: its switch was
 * locked by another writer (or does not exist), so it was left out and must be written alone.
 */
export type BatchOutcome =
  | { readonly status: 'done'; readonly result: StoreWriteResult }
  | { readonly status: 'failed'; readonly error: unknown }
  | { readonly status: 'busy' };

/** The active switches and the state version they belong to, read consistently. */
export interface ActiveState {
  version: number;
  active: KillSwitch[];
  /** The identity of the database this state is from (made at migration). */
  databaseId: string;
}

/** How long one write may take, end to end, including settling a lost COMMIT. */
export interface WriteOptions {
  /** The store answers (or throws a typed error) within this many ms. @default the store's own `writeTimeoutMs` */
  timeoutMs?: number;
}

/**
 * The durable source of truth for switches. Every write is ONE unit of work
 * holding the state change, its history row, its audit record and the
 * version bump: they commit together or not at all. The audit trail is the
 * store's own (bound when the store is built), so a caller cannot pair a
 * store with an emitter that writes elsewhere.
 */
export interface SwitchStore {
  /** Inserts an inactive switch with its `created` history and audit; `ConflictError` on a duplicate target. */
  create(input: CreateSwitchInput, options?: WriteOptions): Promise<KillSwitch>;
  /**
   * Activates unless it already blocks; an active switch given a new reason or `expiresAt` is
   * updated (`updated` history and audit, version+1, `changed: true, updated: true`), otherwise
   * `changed: false`. `NotFoundError` on an unknown id.
   */
  activate(input: ActivateInput, options?: WriteOptions): Promise<StoreWriteResult>;
  /**
   * Activates many switches in ONE unit of work (an auto-trip storm): each as `activate` would,
   * with its history and audit, and one version bump for them all. All or nothing: an unknown
   * id is a `NotFoundError` naming it and nothing changes. Results are in input order.
   */
  activateMany(inputs: readonly ActivateInput[], options?: WriteOptions): Promise<StoreWriteResult[]>;
  /** Deactivates unless it is inactive (then `changed: false`); `NotFoundError` on an unknown id. */
  deactivate(input: DeactivateInput, options?: WriteOptions): Promise<StoreWriteResult>;
  /**
   * Group commit, optional: many callers' activations and deactivations in ONE unit of work and
   * one version bump, applied in the given order; each gets its own outcome (input order). Rows
   * another writer holds are skipped (`busy`), never waited on, so one slow writer cannot hold
   * the whole batch. A store without it writes each call alone.
   */
  writeBatch?(writes: readonly BatchWrite[], options?: WriteOptions): Promise<BatchOutcome[]>;
  /** Turns off switches past their expiry, with `expired` history and audit; returns them. */
  expireDue(options?: WriteOptions): Promise<KillSwitch[]>;
  /**
   * Records the restart steps the clock has passed (`restart_step` history and audit each),
   * releasing a switch past its last step of 1; returns the switches that moved.
   */
  advanceRestarts(options?: WriteOptions): Promise<KillSwitch[]>;
  get(id: string): Promise<KillSwitch | undefined>;
  findByTarget(target: SwitchTarget): Promise<KillSwitch | undefined>;
  /** Newest activation first, then by id. */
  list(filter?: SwitchListFilter): Promise<KillSwitch[]>;
  /** Oldest first. */
  history(id: string): Promise<KillSwitchHistoryEntry[]>;
  /** What the snapshot is built from. */
  loadActive(): Promise<ActiveState>;
  /** Just the state version: the cheap poll. */
  readVersion(): Promise<number>;
  /**
   * Appends records that go with no state change (a refused write, fleet receipts) to the store's
   * audit trail: one record, or several in ONE unit of work (all or none).
   */
  appendAudit(events: AuditEventInput | readonly AuditEventInput[], options?: WriteOptions): Promise<void>;
}

/** What the cache holds, without its payload: the cheap poll. */
export interface CacheHead {
  version: number;
  /** The database whose state this is; null when the entry carries none (written by an older version). */
  databaseId: string | null;
}

/** What a cache write did. */
export type CacheWriteOutcome = 'written' | 'not-newer' | 'foreign';

/** The shared copy of the snapshot (Redis), so instances need not all read PostgreSQL. A hint: PostgreSQL is the truth. */
export interface StateCache {
  /** The stored payload as it is (possibly unreadable), or undefined when the cache lacks it. */
  read(): Promise<unknown>;
  /** The stored version and owner, or undefined when the cache lacks them. */
  readHead(): Promise<CacheHead | undefined>;
  /**
   * Stores the payload. `if-newer` keeps a newer version in place (two writers
   * may publish out of order); `replace` overwrites whatever version is there
   * (a repair: PostgreSQL showed the cache is ahead of it, or unreadable).
   * Never over another database's state: that answers `foreign`.
   */
  write(payload: SnapshotPayload, mode: 'if-newer' | 'replace'): Promise<CacheWriteOutcome>;
}

/** One switch changed by a version: its new form, or null when it no longer blocks. */
export interface SwitchChange {
  id: string;
  switch: SwitchPayload | null;
}

/** What a change notice says: the new version, and what changed since `base` when the writer knows it. */
export interface ChangeNotice {
  version: number;
  databaseId: string;
  /** The version the changes apply to; a reader holding exactly it patches its index instead of reading Redis. */
  base?: number;
  changes?: SwitchChange[];
  /** When the writer saw the change commit (ms since the epoch): readers measure their apply lag from it. Absent in older notices. */
  committedAt?: number;
}

/** A subscription that can be ended at once, even while its I/O is still under way. */
export interface Subscription {
  /** Resolves once the subscription listens; rejects if it could not. */
  readonly ready: Promise<void>;
  /** Stops listening and releases every connection the subscription opened. */
  close(): Promise<void>;
}

/** Tells other instances that the state version moved. Delivery may be lost: readers also poll. */
export interface ChangeBus {
  publish(notice: ChangeNotice): Promise<void>;
  /**
   * Returns synchronously, before any I/O, so a subscribe that never
   * completes (Redis down at start) can still be closed.
   */
  subscribe(onNotice: (notice: ChangeNotice) => void): Subscription;
}

/** How an instance judges its own state, cheaply (no I/O): what the registry shows the operator. */
export type InstanceHealth = 'ok' | 'degraded' | 'stale';

/** One service instance as the fleet registry holds it: who it is, and what it last applied. */
export interface InstanceRecord {
  instanceId: string;
  serviceName: string;
  host: string;
  pid: number;
  libraryVersion: string;
  /** ms since the epoch. */
  startedAt: number;
  /** The database whose state the instance follows; null before its first load. */
  databaseId: string | null;
  /** The snapshot version applied; -1 before the first load. */
  version: number;
  /** When that version was applied (ms since the epoch); null before the first load. */
  appliedAt: number | null;
  /** Commit to apply, when the change notice carried its commit time. */
  lagMs: number | null;
  snapshotAgeMs: number;
  failMode: 'closed' | 'open';
  health: InstanceHealth;
  /** When this record was written (ms since the epoch, the instance's clock). */
  heartbeatAt: number;
  /** The record counts as live until `heartbeatAt + ttlMs`; after that the instance is lost. */
  ttlMs: number;
}

/**
 * Where instances register and heartbeat (Redis, or in-process for the
 * embedded default). Off the check path: one small write per heartbeat or
 * applied version, reads only by operators and receipt collectors.
 */
export interface InstanceRegistry {
  /** Writes (or replaces) the instance's record. */
  put(record: InstanceRecord): Promise<void>;
  /** Forgets an instance (a clean shutdown). */
  remove(instanceId: string): Promise<void>;
  /** Every record still held: live ones, and lost ones for a while after their TTL (the reader judges which). */
  list(): Promise<InstanceRecord[]>;
}
