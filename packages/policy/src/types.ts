/**
 * The public shapes of the kill-switch service: inputs, results, the
 * service interface itself. The specification's shapes are kept.
 */
import type {
  AutoTripConfig,
  KillSwitch,
  KillSwitchHistoryEntry,
  KillSwitchScope,
  KillSwitchTargetType,
} from '@rtv/db';
import type { KillSwitchFleet } from './fleet/fleet';

export type { AutoTripConfig, KillSwitch, KillSwitchHistoryEntry, KillSwitchScope, KillSwitchTargetType };

/** What a service asks before an action. */
export interface CheckContext {
  action: string;
  platform?: string;
  clientId: string;
}

/** The switch that blocked a check, as the snapshot holds it (frozen). */
export interface SwitchSummary {
  readonly id: string;
  readonly scope: KillSwitchScope;
  readonly targetType: KillSwitchTargetType;
  readonly targetValue: string;
  readonly clientId: string | null;
  readonly platform: string | null;
  readonly reason: string | null;
  readonly activatedAt: Date | null;
  readonly activatedBy: string | null;
  readonly expiresAt: Date | null;
}

/** Frozen and shared between checks: read it, never change it. */
export interface CheckResult {
  readonly tripped: boolean;
  /** The highest-priority matching switch, or null (also null when failing by policy). */
  readonly switch: SwitchSummary | null;
  readonly reason: string | null;
  /** How long this check took; only with `timeEachCheck` (checks are otherwise timed on a sample). */
  readonly checkDurationMs?: number;
}

export interface CreateSwitchInput {
  scope: KillSwitchScope;
  targetType: KillSwitchTargetType;
  targetValue: string;
  clientId?: string;
  platform?: string;
  createdBy: string;
  autoTripConfig?: AutoTripConfig;
}

export interface ActivateInput {
  id: string;
  /** At least 10 characters: an operator reading the audit later needs it. */
  reason: string;
  activatedBy: string;
  incidentId?: string;
  metadata?: Record<string, unknown>;
  /** The switch stops blocking by itself at this instant (temporary holds, cooldowns). */
  expiresAt?: Date;
  /**
   * On a switch that is already active: apply this `reason` and `expiresAt` (an absent one keeps
   * the current expiry) as one `updated` transition, to extend or re-reason a hold without a gap.
   * Without it, activating an active switch is a no-op whatever it carries, so duplicate trips
   * (monitors, concurrent operators) make one transition. @default false
   */
  updateHold?: boolean;
}

export interface DeactivateInput {
  id: string;
  reason: string;
  deactivatedBy: string;
  metadata?: Record<string, unknown>;
}

/** What activate and deactivate return. */
export interface TransitionResult {
  switch: KillSwitch;
  /** False when the switch was already in the target state (a no-op: no history, no audit). */
  changed: boolean;
}

export interface ListActiveFilter {
  scope?: KillSwitchScope;
  clientId?: string;
  targetType?: KillSwitchTargetType;
  platform?: string;
}

export interface ListSwitchesFilter extends ListActiveFilter {
  /** Only switches that block now (active and not expired). @default false */
  activeOnly?: boolean;
}

export type ComponentStatus = 'operational' | 'degraded' | 'failed';

export interface HealthReport {
  status: ComponentStatus;
  /** True after `close()`: the service no longer follows changes. */
  closed: boolean;
  components: {
    postgres: { status: ComponentStatus; latencyMs?: number; error?: string };
    redis: { status: ComponentStatus; latencyMs?: number; error?: string; configured: boolean };
    snapshot: {
      status: ComponentStatus;
      version: number;
      ageMs: number;
      activeSwitches: number;
      maxStalenessMs: number;
    };
  };
}

/** Counters of the check path, kept as plain numbers and read at scrape time. */
export interface CheckStats {
  checks: number;
  tripped: number;
  failedClosed: number;
  /** Cumulative counts per upper bound in ms (Prometheus-style `le` buckets). */
  durationBucketsMs: readonly number[];
  /** Of the timed sample (one check in 64, or every check with `timeEachCheck`), cumulative. */
  durationCounts: readonly number[];
  durationSumMs: number;
  /** How many checks were timed: the histogram's count. */
  sampledChecks: number;
  snapshotVersion: number;
  snapshotAgeMs: number;
  activeByScope: Readonly<Record<KillSwitchScope, number>>;
}

export interface KillSwitchService {
  /**
   * May this action run now? Never throws on a store outage: fails closed
   * (or open) by policy. Rejects with `ValidationError` on a bad context.
   */
  isTripped(context: CheckContext): Promise<CheckResult>;
  /**
   * The same answer synchronously, for tight loops. Before the first load it
   * does not wait: it answers by the failure policy. Throws `ValidationError`
   * on a bad context.
   */
  check(context: CheckContext): CheckResult;
  create(input: CreateSwitchInput): Promise<KillSwitch>;
  /** Finds the switch with this exact target, or creates it; safe under races. */
  ensure(input: CreateSwitchInput): Promise<KillSwitch>;
  activate(input: ActivateInput): Promise<TransitionResult>;
  /**
   * Trips many switches in ONE transaction (an auto-trip storm): each with its history and
   * audit, one version bump, all or nothing. Results in input order. A bad input is a
   * `ValidationError` naming `inputs[i].field`; an unknown id a `NotFoundError` naming its index.
   */
  activateMany(inputs: readonly ActivateInput[]): Promise<TransitionResult[]>;
  deactivate(input: DeactivateInput): Promise<TransitionResult>;
  listActive(filter?: ListActiveFilter): Promise<KillSwitch[]>;
  /** Throws `NotFoundError` (`Kill switch not found: <id>`). */
  getById(id: string): Promise<KillSwitch>;
  getHistory(id: string): Promise<KillSwitchHistoryEntry[]>;
  /** Every switch, active or not, with filters (`activeOnly` for those that block now). */
  list(filter?: ListSwitchesFilter): Promise<KillSwitch[]>;
  /** Reloads the snapshot from the stores now. */
  invalidateCache(): Promise<void>;
  /** Records `expired` for switches whose expiry passed; returns how many. */
  sweepExpired(): Promise<number>;
  health(): Promise<HealthReport>;
  checkStats(): CheckStats;
  /** The fleet: registered instances, receipts of this service's changes, drills. */
  readonly fleet: KillSwitchFleet;
  /** Resolves once the first snapshot is loaded; rejects with `StateUnavailableError` after `startupTimeoutMs` without one. */
  ready(): Promise<void>;
  /** Stops every timer and connection the service opened; checks then answer by policy, saying it is closed. */
  close(): Promise<void>;
}
