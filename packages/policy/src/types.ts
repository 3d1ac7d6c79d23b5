/**
 * The public shapes of the kill-switch service: inputs, results, the
 * service interface itself. The specification's shapes are kept.
 */
import type {
  AutoTripConfig,
  KillSwitch,
  KillSwitchHistoryEntry,
  KillSwitchMode,
  KillSwitchScope,
  KillSwitchTargetType,
} from '@rtv/db';
import type { KillSwitchFleet } from './fleet/fleet';

export type {
  AutoTripConfig,
  KillSwitch,
  KillSwitchHistoryEntry,
  KillSwitchMode,
  KillSwitchScope,
  KillSwitchTargetType,
};

/** What a service asks before an action. */
export interface CheckContext {
  action: string;
  platform?: string;
  clientId: string;
  /**
   * What a `throttle` decides on: the same key (a post id, an order id) is consistently let
   * through or not at a given fraction. Without it a throttle counts locally (a token bucket).
   */
  key?: string;
}

/** A gradual restart as the snapshot holds it: `steps[i]` applies from `startedAt + i * everyMs`. */
export interface RestartSchedule {
  readonly steps: readonly number[];
  readonly everyMs: number;
  readonly startedAt: Date;
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
  /** What the switch does to the actions it matches. */
  readonly mode: KillSwitchMode;
  /** `reduce`: the actions it lets through; null means the service's `riskReducingActions`. */
  readonly allowActions: readonly string[] | null;
  /** `throttle`: the share let through (a restart's share comes from `restart`). */
  readonly fraction: number | null;
  /** A gradual restart under way, or null. */
  readonly restart: RestartSchedule | null;
}

/**
 * Why a check answered as it did, stable for programs: `CLEAR` (nothing matched), `HALTED`,
 * `REDUCE_ONLY` (blocked: not a risk-reducing action), `RISK_REDUCING` (let through by `reduce`),
 * `THROTTLED` / `THROTTLE_ADMITTED`, `STATE_UNAVAILABLE` and `SERVICE_CLOSED` (the failure policy).
 */
export type DecisionCode =
  | 'CLEAR'
  | 'HALTED'
  | 'REDUCE_ONLY'
  | 'RISK_REDUCING'
  | 'THROTTLED'
  | 'THROTTLE_ADMITTED'
  | 'STATE_UNAVAILABLE'
  | 'SERVICE_CLOSED';

/** Which of the eight levels (DESIGN.md) a switch sits at: 1 global all ... 8 client action@platform. */
export type SwitchLevel = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

/** Frozen and shared between checks: read it, never change it. */
export interface CheckResult {
  readonly tripped: boolean;
  /** The deciding switch (the most restrictive match, then the highest priority), or null (also when failing by policy). */
  readonly switch: SwitchSummary | null;
  readonly reason: string | null;
  /** The mode of the deciding switch (null when no switch decided). */
  readonly mode: KillSwitchMode | null;
  /** The deciding switch's level, 1 to 8 (null when no switch decided). */
  readonly level: SwitchLevel | null;
  readonly reasonCode: DecisionCode;
  /** The state version the decision was made on (-1 before any state was loaded). */
  readonly version: number;
  /** When the deciding switch stops by itself, if it does. */
  readonly expiresAt: Date | null;
  /** A restart's next step (when more of the traffic will be let through), or null. */
  readonly nextStepAt: Date | null;
  /** The share a throttle lets through at this decision, or null. */
  readonly fraction: number | null;
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
  /**
   * `halt` blocks every matching action; `reduce` lets risk-reducing ones through (`allowActions`,
   * else the service's `riskReducingActions`); `throttle` lets `fraction` of them through.
   * Activating an active switch in another mode (or one restarting) changes it as one `updated`
   * transition: an operator's halt mid-restart wins. @default 'halt'
   */
  mode?: KillSwitchMode;
  /** `reduce` only: the actions it lets through. */
  allowActions?: string[];
  /** `throttle` only (required there): the share let through, 0 to 1. */
  fraction?: number;
}

/** A gradual restart: throttle at `steps[0]`, then each next step after `everyMs`; released after a last step of 1. */
export interface RestartInput {
  /** Increasing fractions in (0, 1], the last one 1, e.g. [0.5, 0.75, 1]. */
  steps: number[];
  everyMs: number;
}

export interface DeactivateInput {
  id: string;
  reason: string;
  deactivatedBy: string;
  metadata?: Record<string, unknown>;
  /** Release gradually instead of at once (the switch throttles, stepping up on schedule). */
  restart?: RestartInput;
}

/** What activate and deactivate return. */
export interface TransitionResult {
  switch: KillSwitch;
  /** False when the switch was already in the target state (a no-op: no history, no audit). */
  changed: boolean;
  /**
   * The state version whose commit made this change (absent for a no-op, or when the store does
   * not tell). Writes that shared a commit share it: `service.fleet.awaitReceipt({ version })`.
   */
  version?: number;
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
  /**
   * Records the gradual-restart steps the clock has passed (`restart_step` history and audit),
   * releasing switches past their last step; returns how many switches moved. Runs with the expiry
   * sweep; checks follow the schedule from the clock whether or not it has run.
   */
  sweepRestarts(): Promise<number>;
  /**
   * Calls `listener` after each new state this instance applies (a change here or on any
   * instance); returns a function that stops it. For work that must react to a change (the
   * gate's cancellation), never per check.
   */
  onStateChange(listener: () => void): () => void;
  health(): Promise<HealthReport>;
  checkStats(): CheckStats;
  /** The fleet: registered instances, receipts of this service's changes, drills. */
  readonly fleet: KillSwitchFleet;
  /** Resolves once the first snapshot is loaded; rejects with `StateUnavailableError` after `startupTimeoutMs` without one. */
  ready(): Promise<void>;
  /** Stops every timer and connection the service opened; checks then answer by policy, saying it is closed. */
  close(): Promise<void>;
}
