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
  readonly index: SwitchIndex;
}

/** The serialisable form kept in Redis. */
export interface SnapshotPayload {
  version: number;
  switches: Array<
    Omit<SwitchSummary, 'activatedAt' | 'expiresAt'> & { activatedAt: string | null; expiresAt: string | null }
  >;
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

export function createSnapshot(version: number, active: readonly SwitchSummary[]): Snapshot {
  return Object.freeze({ version, index: buildSwitchIndex(active) });
}

export function toPayload(snapshot: Snapshot): SnapshotPayload {
  return {
    version: snapshot.version,
    switches: snapshot.index.switches.map((s) => ({
      ...s,
      activatedAt: s.activatedAt ? s.activatedAt.toISOString() : null,
      expiresAt: s.expiresAt ? s.expiresAt.toISOString() : null,
    })),
  };
}

const SCOPES = new Set(['global', 'client', 'platform', 'action']);
const TARGET_TYPES = new Set(['all', 'platform', 'action']);
const stringOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';

/** Parses what another instance stored; throws on anything malformed rather than guessing. */
export function fromPayload(payload: unknown): Snapshot {
  const p = payload as SnapshotPayload;
  if (!p || typeof p.version !== 'number' || !Array.isArray(p.switches)) {
    throw new Error('malformed snapshot payload');
  }
  const summaries = p.switches.map((s): SwitchSummary => {
    if (
      typeof s.id !== 'string' ||
      !SCOPES.has(s.scope) ||
      !TARGET_TYPES.has(s.targetType) ||
      typeof s.targetValue !== 'string' ||
      !stringOrNull(s.clientId) ||
      !stringOrNull(s.platform) ||
      !stringOrNull(s.reason) ||
      !stringOrNull(s.activatedBy) ||
      !stringOrNull(s.activatedAt) ||
      !stringOrNull(s.expiresAt)
    ) {
      throw new Error('malformed switch in snapshot payload');
    }
    return Object.freeze({
      ...s,
      activatedAt: s.activatedAt ? new Date(s.activatedAt) : null,
      expiresAt: s.expiresAt ? new Date(s.expiresAt) : null,
    });
  });
  return createSnapshot(p.version, summaries);
}
