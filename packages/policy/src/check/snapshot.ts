/**
 * A versioned, immutable snapshot of the active switches: what every check
 * reads. Replaced on each change (atomic swap): built whole on a full load,
 * patched copy-on-write for a notice (index-patch.ts), never mutated.
 */
import type { KillSwitch, RestartPlan } from '@rtv/db';
import type { KillSwitchMode, RestartSchedule, SwitchSummary } from '../types';
import { type SwitchIndex, buildSwitchIndex } from './switch-index';

export interface Snapshot {
  /** The state version in PostgreSQL this snapshot reflects. */
  readonly version: number;
  /** The database it came from: state from another database is never taken. */
  readonly databaseId: string;
  readonly index: SwitchIndex;
}

/** A restart as Redis and change notices carry it. */
export interface RestartPayload {
  steps: number[];
  everyMs: number;
  startedAt: string;
}

/**
 * A switch as Redis and change notices carry it. The mode fields are optional on the wire:
 * a payload written before modes existed reads as a halt.
 */
export type SwitchPayload = Omit<
  SwitchSummary,
  'activatedAt' | 'expiresAt' | 'mode' | 'allowActions' | 'fraction' | 'restart'
> & {
  activatedAt: string | null;
  expiresAt: string | null;
  mode?: KillSwitchMode;
  allowActions?: string[] | null;
  fraction?: number | null;
  restart?: RestartPayload | null;
};

/** The serialisable form kept in Redis. */
export interface SnapshotPayload {
  version: number;
  databaseId: string;
  switches: SwitchPayload[];
}

function restartSchedule(plan: Pick<RestartPlan, 'steps' | 'everyMs' | 'startedAt'>): RestartSchedule {
  return Object.freeze({
    steps: Object.freeze([...plan.steps]),
    everyMs: plan.everyMs,
    startedAt: new Date(plan.startedAt),
  });
}

export function toSummary(row: KillSwitch): SwitchSummary {
  return Object.freeze({
    id: row.id,
    scope: row.scope,
    targetType: row.targetType,
    targetValue: row.targetValue,
    clientId: row.clientId,
    platform: row.platform,
    reason: row.reason,
    activatedAt: row.activatedAt,
    activatedBy: row.activatedBy,
    expiresAt: row.expiresAt,
    mode: row.mode,
    allowActions: row.allowActions ? Object.freeze([...row.allowActions]) : null,
    fraction: row.fraction,
    restart: row.restart ? restartSchedule(row.restart) : null,
  });
}

export function createSnapshot(version: number, active: readonly SwitchSummary[], databaseId: string): Snapshot {
  return Object.freeze({ version, databaseId, index: buildSwitchIndex(active, version) });
}

export const toSwitchPayload = (s: SwitchSummary): SwitchPayload => ({
  ...s,
  activatedAt: s.activatedAt ? s.activatedAt.toISOString() : null,
  expiresAt: s.expiresAt ? s.expiresAt.toISOString() : null,
  allowActions: s.allowActions ? [...s.allowActions] : null,
  restart: s.restart
    ? { steps: [...s.restart.steps], everyMs: s.restart.everyMs, startedAt: s.restart.startedAt.toISOString() }
    : null,
});

export function toPayload(snapshot: Snapshot): SnapshotPayload {
  return {
    version: snapshot.version,
    databaseId: snapshot.databaseId,
    switches: snapshot.index.switches.map(toSwitchPayload),
  };
}

const SCOPES = new Set(['global', 'client', 'platform', 'action']);
const TARGET_TYPES = new Set(['all', 'platform', 'action']);
const stringOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';

const isDate = (v: string | null) => v === null || !Number.isNaN(Date.parse(v));
const MODES = new Set<unknown>(['halt', 'reduce', 'throttle']);
const isShare = (v: unknown): v is number => typeof v === 'number' && v >= 0 && v <= 1;
const absent = (v: unknown) => v === undefined || v === null;

/** The mode fields, each absent or well formed; a payload from before modes has none of them. */
function modeFieldsValid(s: SwitchPayload): boolean {
  const r = s.restart;
  return (
    (s.mode === undefined || MODES.has(s.mode)) &&
    (absent(s.fraction) || isShare(s.fraction)) &&
    (absent(s.allowActions) || (Array.isArray(s.allowActions) && s.allowActions.every((a) => typeof a === 'string'))) &&
    (absent(r) ||
      (typeof r === 'object' &&
        r !== null &&
        Array.isArray(r.steps) &&
        r.steps.length > 0 &&
        r.steps.every(isShare) &&
        Number.isSafeInteger(r.everyMs) &&
        r.everyMs > 0 &&
        typeof r.startedAt === 'string' &&
        isDate(r.startedAt)))
  );
}

/** Parses one switch another instance sent; throws on anything malformed rather than guessing. */
export function fromSwitchPayload(value: unknown): SwitchSummary {
  const s = value as SwitchPayload;
  if (
    typeof s !== 'object' ||
    s === null ||
    typeof s.id !== 'string' ||
    !SCOPES.has(s.scope) ||
    !TARGET_TYPES.has(s.targetType) ||
    typeof s.targetValue !== 'string' ||
    !stringOrNull(s.clientId) ||
    !stringOrNull(s.platform) ||
    !stringOrNull(s.reason) ||
    !stringOrNull(s.activatedBy) ||
    !stringOrNull(s.activatedAt) ||
    !stringOrNull(s.expiresAt) ||
    !isDate(s.activatedAt) ||
    !isDate(s.expiresAt) ||
    !modeFieldsValid(s)
  ) {
    throw new Error('malformed switch in snapshot payload');
  }
  // Only the known fields: an unknown one in a payload never reaches a check's answer.
  return Object.freeze({
    id: s.id,
    scope: s.scope,
    targetType: s.targetType,
    targetValue: s.targetValue,
    clientId: s.clientId,
    platform: s.platform,
    reason: s.reason,
    activatedAt: s.activatedAt ? new Date(s.activatedAt) : null,
    activatedBy: s.activatedBy,
    expiresAt: s.expiresAt ? new Date(s.expiresAt) : null,
    mode: s.mode ?? 'halt',
    allowActions: s.allowActions ? Object.freeze([...s.allowActions]) : null,
    fraction: s.fraction ?? null,
    restart: s.restart ? restartSchedule(s.restart) : null,
  });
}

/** Parses what another instance stored; throws on anything malformed rather than guessing. */
export function fromPayload(payload: unknown): Snapshot {
  const p = payload as SnapshotPayload;
  if (
    !p ||
    !Number.isSafeInteger(p.version) ||
    p.version < 0 ||
    typeof p.databaseId !== 'string' ||
    !Array.isArray(p.switches)
  ) {
    throw new Error('malformed snapshot payload');
  }
  return createSnapshot(p.version, p.switches.map(fromSwitchPayload), p.databaseId);
}
