/**
 * A `SwitchStore` in memory, for fast unit tests and consumers' test kits.
 * Each transition runs synchronously from its first read to its last write
 * (history, audit, version), so it is one unit of work as a transaction is,
 * and the shared contract suite holds it to the Postgres store's behaviour.
 */
import { randomUUID } from 'node:crypto';
import {
  type AuditEventInput,
  type MemoryAuditEmitter,
  createMemoryAuditEmitter,
  validateAuditEvent,
} from '@rtv/audit';
import type { KillSwitch, KillSwitchHistoryEntry } from '@rtv/db';
import { nanoid } from 'nanoid';
import { systemClock } from '../../clock';
import type { Clock, StoreWriteResult, SwitchListFilter, SwitchStore, SwitchTarget } from '../../ports';
import type { ActivateInput } from '../../types';
import { activationOf } from '../../write/activation';
import { deactivationOf, restartStepsDue } from '../../write/mode-transitions';
import {
  type TransitionRecord,
  auditEventOf,
  createdRecord,
  deactivatedFields,
  duplicateTarget,
  expiredRecord,
  historyValues,
  isEffectivelyActive,
  newSwitchRow,
  notFound,
} from '../../write/transition-records';

export interface MemorySwitchStoreOptions {
  /** @default the system clock */
  clock?: Clock;
  /** The trail transitions are recorded in. @default a new memory emitter on the same clock */
  audit?: MemoryAuditEmitter;
}

export interface MemorySwitchStore extends SwitchStore {
  /** The audit trail this store records into. */
  readonly audit: MemoryAuditEmitter;
}

const targetKey = (t: SwitchTarget) => JSON.stringify([t.clientId, t.scope, t.targetType, t.targetValue, t.platform]);
const copy = (row: KillSwitch): KillSwitch => ({ ...row });

function matches(row: KillSwitch, filter: SwitchListFilter): boolean {
  if (filter.activeAt && !isEffectivelyActive(row, filter.activeAt.getTime())) return false;
  if (filter.scope && row.scope !== filter.scope) return false;
  if (filter.clientId && row.clientId !== filter.clientId) return false;
  if (filter.targetType && row.targetType !== filter.targetType) return false;
  if (filter.platform) {
    const onPlatform =
      (row.targetType === 'platform' && row.targetValue === filter.platform) || row.platform === filter.platform;
    if (!onPlatform) return false;
  }
  return true;
}

/** PostgreSQL's `activated_at DESC, id ASC`: NULLs sort first in a descending order. */
function byActivationThenId(a: KillSwitch, b: KillSwitch): number {
  const at = a.activatedAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const bt = b.activatedAt?.getTime() ?? Number.POSITIVE_INFINITY;
  if (at !== bt) return bt - at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The reads of the store: copies, so a caller can never change the kept rows. */
function memoryQueries(
  rows: ReadonlyMap<string, KillSwitch>,
  byTarget: ReadonlyMap<string, string>,
  history: readonly KillSwitchHistoryEntry[],
): Pick<SwitchStore, 'get' | 'findByTarget' | 'list' | 'history'> {
  return {
    async get(id) {
      const row = rows.get(id);
      return row && copy(row);
    },
    async findByTarget(target) {
      const id = byTarget.get(targetKey(target));
      const row = id === undefined ? undefined : rows.get(id);
      return row && copy(row);
    },
    async list(filter = {}) {
      return [...rows.values()]
        .filter((row) => matches(row, filter))
        .sort(byActivationThenId)
        .map(copy);
    },
    async history(id) {
      return history.filter((entry) => entry.killSwitchId === id).map((entry) => ({ ...entry }));
    },
  };
}

export function createMemorySwitchStore(options: MemorySwitchStoreOptions = {}): MemorySwitchStore {
  const clock = options.clock ?? systemClock;
  const audit = options.audit ?? createMemoryAuditEmitter({ clock });
  const rows = new Map<string, KillSwitch>();
  const byTarget = new Map<string, string>();
  const history: KillSwitchHistoryEntry[] = [];
  let version = 0;
  const databaseId = randomUUID();

  /** Validates the audit event before anything changes, then writes state, history and audit in one go. */
  function commit(row: KillSwitch, record: TransitionRecord, bump: boolean): void {
    const event = auditEventOf(row, record);
    validateAuditEvent(event, () => clock.now());
    rows.set(row.id, row);
    history.push({ ...historyValues(`ksh_${nanoid()}`, row, record), seq: history.length + 1 });
    void audit.emit(event);
    if (bump) version += 1;
  }

  /** One activation, or an update of the hold when asked; the caller bumps the version. */
  function activateOne(input: ActivateInput, now: Date): StoreWriteResult {
    const step = activationOf(existing(input.id), input, now);
    if (step.transition) commit(step.result.row, step.transition, false);
    return { ...step.result, row: copy(step.result.row) };
  }

  function existing(id: string): KillSwitch {
    const row = rows.get(id);
    if (!row) throw notFound(id);
    return row;
  }

  return {
    audit,

    async create(input) {
      const now = new Date(clock.now());
      const row = newSwitchRow(`ks_${nanoid()}`, input, now);
      const key = targetKey(row);
      if (byTarget.has(key)) throw duplicateTarget(input, undefined);
      commit(row, createdRecord(row, input, now), false);
      byTarget.set(key, row.id);
      return copy(row);
    },

    async activate(input) {
      const result = activateOne(input, new Date(clock.now()));
      if (!result.changed) return result;
      version += 1;
      return { ...result, version };
    },

    async activateMany(inputs) {
      // All or nothing, as one transaction: every id is checked before anything changes.
      for (const input of inputs) existing(input.id);
      const now = new Date(clock.now());
      const results = inputs.map((input) => activateOne(input, now));
      if (!results.some((r) => r.changed)) return results;
      version += 1;
      return results.map((result) => (result.changed ? { ...result, version } : result));
    },

    async deactivate(input) {
      const step = deactivationOf(existing(input.id), input, new Date(clock.now()));
      if (!step.transition) return { row: copy(step.result.row), changed: false };
      commit(step.result.row, step.transition, true);
      return { row: copy(step.result.row), changed: true, version };
    },

    async advanceRestarts() {
      const now = new Date(clock.now());
      const moved: KillSwitch[] = [];
      for (const before of [...rows.values()]) {
        const due = restartStepsDue(before, now);
        if (!due) continue;
        for (const transition of due.transitions) commit(due.row, transition, false);
        moved.push(copy(due.row));
      }
      if (moved.length > 0) version += 1;
      return moved;
    },

    async expireDue() {
      const now = new Date(clock.now());
      const due = [...rows.values()].filter((row) => row.isActive && row.expiresAt && row.expiresAt <= now);
      for (const before of due) commit({ ...before, ...deactivatedFields(now) }, expiredRecord(before, now), false);
      if (due.length > 0) version += 1;
      return due.map(copy);
    },

    ...memoryQueries(rows, byTarget, history),

    async loadActive() {
      return { version, databaseId, active: [...rows.values()].filter((row) => row.isActive).map(copy) };
    },

    async readVersion() {
      return version;
    },

    async appendAudit(events) {
      const records = Array.isArray(events) ? events : [events as AuditEventInput];
      // Validated first, so a bad record leaves none of them (one unit of work).
      for (const event of records) validateAuditEvent(event, () => clock.now());
      for (const event of records) await audit.emit(event);
    },
  };
}
