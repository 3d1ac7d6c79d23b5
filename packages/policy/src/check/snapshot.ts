/**
 * A versioned, immutable snapshot of the active switches: what every check
 * reads. Replaced whole on each change (atomic swap), never mutated.
 */
import type { KillSwitch } from '@rtv/db';
import type { SwitchSummary } from '../types';
import { type SwitchIndex, buildSwitchIndex } from './switch-index';

export interface Snapshot {
  /** The state version in PostgreSQL this snapshot reflects. */
  readonly version: number;
  /** The database it came from: state from another database is never taken. */
  readonly databaseId: string;
  readonly index: SwitchIndex;
}

/** A switch as Redis and change notices carry it. */
export type SwitchPayload = Omit<SwitchSummary, 'activatedAt' | 'expiresAt'> & {
  activatedAt: string | null;
  expiresAt: string | null;
};

/** The serialisable form kept in Redis. */
export interface SnapshotPayload {
  version: number;
  databaseId: string;
  switches: SwitchPayload[];
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
  });
}

export function createSnapshot(version: number, active: readonly SwitchSummary[], databaseId: string): Snapshot {
  return Object.freeze({ version, databaseId, index: buildSwitchIndex(active) });
}

export const toSwitchPayload = (s: SwitchSummary): SwitchPayload => ({
  ...s,
  activatedAt: s.activatedAt ? s.activatedAt.toISOString() : null,
  expiresAt: s.expiresAt ? s.expiresAt.toISOString() : null,
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
    !isDate(s.expiresAt)
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
