/**
 * An in-memory KillSwitchService for the monitor's unit tests: switches in a Map, the design's match
 * order, idempotent activation. A working double (state, not call counts), like the memory adapters.
 */
import type { KillSwitch, KillSwitchHistoryEntry } from '@rtv/db';
import { toSummary } from '../../check/snapshot';
import { buildSwitchIndex, findBlockingSwitch } from '../../check/switch-index';
import { NotFoundError, ValidationError } from '../../errors';
import type { Clock } from '../../ports';
import type {
  ActivateInput,
  CheckResult,
  CreateSwitchInput,
  DeactivateInput,
  KillSwitchService,
  ListActiveFilter,
  TransitionResult,
} from '../../types';
import { isEffectivelyActive } from '../../write/switch-writer';

export interface FakeKillSwitchService extends KillSwitchService {
  /** Every switch, active or not. */
  all(): KillSwitch[];
  /** The next `n` activations reject (a database outage). */
  failActivations(n: number): void;
}

export function createFakeKillSwitchService(clock: Clock = { now: () => Date.now() }): FakeKillSwitchService {
  const switches = new Map<string, KillSwitch>();
  const history: KillSwitchHistoryEntry[] = [];
  let seq = 0;
  let failures = 0;

  const sameTarget = (row: KillSwitch, input: CreateSwitchInput) =>
    row.scope === input.scope &&
    row.targetType === input.targetType &&
    row.targetValue === input.targetValue &&
    row.clientId === (input.clientId ?? null) &&
    row.platform === (input.platform ?? null);

  const effective = (row: KillSwitch) => isEffectivelyActive(row, clock.now());

  const get = (id: string): KillSwitch => {
    const row = switches.get(id);
    if (!row) throw new NotFoundError(`Kill switch not found: ${id}`, id);
    return row;
  };

  function addHistory(row: KillSwitch, action: KillSwitchHistoryEntry['action'], by: string, reason: string | null) {
    seq += 1;
    history.push({
      id: `ksh_${seq}`,
      seq,
      killSwitchId: row.id,
      action,
      previousState: action === 'created' ? null : !row.isActive,
      newState: row.isActive,
      reason,
      performedBy: by,
      performedAt: new Date(clock.now()),
      metadata: null,
    });
  }

  function create(input: CreateSwitchInput): KillSwitch {
    if (input.scope === 'client' && !input.clientId) {
      throw new ValidationError('Client scope requires clientId', [{ field: 'clientId', message: 'required' }]);
    }
    if (input.scope === 'global' && input.clientId) {
      throw new ValidationError('Global scope cannot have clientId', [{ field: 'clientId', message: 'not allowed' }]);
    }
    const now = new Date(clock.now());
    const row: KillSwitch = {
      id: `ks_${++seq}`,
      clientId: input.clientId ?? null,
      scope: input.scope,
      targetType: input.targetType,
      targetValue: input.targetValue,
      platform: input.platform ?? null,
      isActive: false,
      reason: null,
      activatedBy: null,
      activatedAt: null,
      expiresAt: null,
      autoTripConfig: input.autoTripConfig ?? null,
      createdAt: now,
      updatedAt: now,
    };
    switches.set(row.id, row);
    addHistory(row, 'created', input.createdBy, null);
    return row;
  }

  /** The design's order: global > client, all > platform > action > action on the platform. */
  return {
    async isTripped(ctx): Promise<CheckResult> {
      // The real index and priority order, over this fake's rows.
      const active = [...switches.values()].filter(effective).map(toSummary);
      const hit = findBlockingSwitch(buildSwitchIndex(active), ctx.clientId, ctx.action, ctx.platform, clock.now());
      return hit
        ? { tripped: true, switch: hit.summary, reason: hit.summary.reason, checkDurationMs: 0 }
        : { tripped: false, switch: null, reason: null, checkDurationMs: 0 };
    },
    async create(input) {
      if ([...switches.values()].some((row) => sameTarget(row, input))) throw new Error('duplicate switch');
      return create(input);
    },
    async ensure(input) {
      return [...switches.values()].find((row) => sameTarget(row, input)) ?? create(input);
    },
    async activate(input: ActivateInput): Promise<TransitionResult> {
      if (failures > 0) {
        failures--;
        throw new Error('database unavailable');
      }
      if (input.reason.trim().length < 10) {
        throw new ValidationError('reason must be at least 10 characters', [{ field: 'reason', message: 'too short' }]);
      }
      const row = get(input.id);
      if (effective(row)) return { switch: row, changed: false };
      const now = new Date(clock.now());
      const next: KillSwitch = {
        ...row,
        isActive: true,
        reason: input.reason,
        activatedBy: input.activatedBy,
        activatedAt: now,
        expiresAt: input.expiresAt ?? null,
        updatedAt: now,
      };
      switches.set(row.id, next);
      addHistory(next, 'activated', input.activatedBy, input.reason);
      const last = history[history.length - 1];
      if (last) last.metadata = input.metadata ?? null;
      return { switch: next, changed: true };
    },
    async deactivate(input: DeactivateInput): Promise<TransitionResult> {
      const row = get(input.id);
      if (!row.isActive) return { switch: row, changed: false };
      const next: KillSwitch = { ...row, isActive: false, updatedAt: new Date(clock.now()) };
      switches.set(row.id, next);
      addHistory(next, 'deactivated', input.deactivatedBy, input.reason);
      return { switch: next, changed: true };
    },
    async listActive(filter: ListActiveFilter = {}) {
      return [...switches.values()].filter(
        (row) =>
          effective(row) &&
          (filter.scope === undefined || row.scope === filter.scope) &&
          (filter.clientId === undefined || row.clientId === filter.clientId) &&
          (filter.targetType === undefined || row.targetType === filter.targetType) &&
          (filter.platform === undefined || row.platform === filter.platform),
      );
    },
    async getById(id) {
      return get(id);
    },
    async getHistory(id) {
      return history.filter((h) => h.killSwitchId === id);
    },
    async invalidateCache() {},
    async sweepExpired() {
      return 0;
    },
    async health() {
      return {
        status: 'operational',
        components: {
          postgres: { status: 'operational' },
          redis: { status: 'operational', configured: false },
          snapshot: { status: 'operational', version: seq, ageMs: 0, activeSwitches: 0, maxStalenessMs: 0 },
        },
      };
    },
    checkStats() {
      return {
        checks: 0,
        tripped: 0,
        failedClosed: 0,
        durationBucketsMs: [],
        durationCounts: [],
        durationSumMs: 0,
        snapshotVersion: seq,
        snapshotAgeMs: 0,
        activeByScope: { global: 0, client: 0, platform: 0, action: 0 },
      };
    },
    async ready() {},
    async close() {},
    all: () => [...switches.values()],
    failActivations(n) {
      failures = n;
    },
  };
}

/** A clock the test moves by hand. */
export function manualClock(
  start = Date.UTC(2025, 0, 1, 12, 0, 0),
): Clock & { advance(ms: number): void; set(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    advance(ms) {
      now += ms;
    },
    set(ms) {
      now = ms;
    },
  };
}
