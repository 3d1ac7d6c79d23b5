/**
 * What every store records for a transition, whatever the adapter: the new
 * row fields, the history entry and the audit event. One definition, so the
 * Postgres and memory stores cannot drift apart in what they write.
 */
import type { AuditEventInput } from '@rtv/audit';
import type { KillSwitch, KillSwitchHistoryAction } from '@rtv/db';
import { ConflictError, NotFoundError } from '../errors';
import type { ActivateInput, CreateSwitchInput, DeactivateInput } from '../types';

export const AUDIT_TYPES = {
  created: 'KILL_SWITCH_CREATED',
  activated: 'KILL_SWITCH_ACTIVATED',
  deactivated: 'KILL_SWITCH_DEACTIVATED',
  expired: 'KILL_SWITCH_EXPIRED',
  updated: 'KILL_SWITCH_UPDATED',
  restart_started: 'KILL_SWITCH_RESTART_STARTED',
  restart_step: 'KILL_SWITCH_RESTART_STEP',
  denied: 'KILL_SWITCH_ACCESS_DENIED',
} as const;

/** The actor recorded for expiries. */
export const EXPIRY_ACTOR = 'system:expiry';

/** The actor recorded for the steps of a gradual restart. */
export const RESTART_ACTOR = 'system:restart';

export const notFound = (id: string) => new NotFoundError(`Kill switch not found: ${id}`, id);

/** Whether a switch blocks at `now`: active and not past its expiry. */
export const isEffectivelyActive = (row: KillSwitch, now: number): boolean =>
  row.isActive && (row.expiresAt === null || row.expiresAt.getTime() > now);

export function duplicateTarget(input: CreateSwitchInput, cause: unknown): ConflictError {
  return new ConflictError(
    `A kill switch for this target already exists (scope ${input.scope}, ${input.targetType}:${input.targetValue}` +
      `${input.clientId ? `, client ${input.clientId}` : ''}${input.platform ? `, platform ${input.platform}` : ''})`,
    { cause },
  );
}

/** One transition as history and audit describe it. */
export interface TransitionRecord {
  action: KillSwitchHistoryAction;
  previousState: boolean | null;
  newState: boolean;
  reason: string | null;
  actor: string;
  at: Date;
  details: Record<string, unknown>;
}

export function targetFields(row: KillSwitch) {
  return {
    scope: row.scope,
    targetType: row.targetType,
    targetValue: row.targetValue,
    clientId: row.clientId,
    platform: row.platform,
  };
}

/** The row of a new switch: inactive. */
export function newSwitchRow(id: string, input: CreateSwitchInput, now: Date): KillSwitch {
  return {
    id,
    scope: input.scope,
    targetType: input.targetType,
    targetValue: input.targetValue,
    clientId: input.clientId ?? null,
    platform: input.platform ?? null,
    isActive: false,
    reason: null,
    activatedBy: null,
    activatedAt: null,
    expiresAt: null,
    autoTripConfig: input.autoTripConfig ?? null,
    ...haltFields,
    createdAt: now,
    updatedAt: now,
  };
}

/** What an inactive switch (and a plain halt) holds in the mode columns. */
const haltFields = { mode: 'halt', allowActions: null, fraction: null, restart: null } as const;

/** The mode an activation asks for, as the row holds it (a restart under way is cleared). */
export const modeFields = (input: ActivateInput) => ({
  mode: input.mode ?? 'halt',
  allowActions: input.allowActions ?? null,
  fraction: input.fraction ?? null,
  restart: null,
});

export const activatedFields = (input: ActivateInput, now: Date) => ({
  isActive: true,
  reason: input.reason,
  activatedBy: input.activatedBy,
  activatedAt: now,
  expiresAt: input.expiresAt ?? null,
  updatedAt: now,
  ...modeFields(input),
});

/**
 * What activating an already active switch changes when the caller asks (`updateHold`): a new
 * reason, or a new `expiresAt` (an absent one keeps the current expiry). `null` when nothing.
 */
export function holdChanges(existing: KillSwitch, input: ActivateInput, now: Date) {
  if (input.updateHold !== true) return null;
  const reasonChanged = input.reason !== existing.reason;
  const expiryChanged =
    input.expiresAt !== undefined && input.expiresAt.getTime() !== (existing.expiresAt?.getTime() ?? null);
  if (!reasonChanged && !expiryChanged) return null;
  return {
    reason: input.reason,
    expiresAt: expiryChanged ? (input.expiresAt ?? null) : existing.expiresAt,
    updatedAt: now,
  };
}

export const deactivatedFields = (now: Date) => ({
  isActive: false,
  reason: null,
  activatedBy: null,
  activatedAt: null,
  expiresAt: null,
  updatedAt: now,
  ...haltFields,
});

const activeDuration = (existing: KillSwitch, nowMs: number) =>
  existing.activatedAt ? Math.max(0, nowMs - existing.activatedAt.getTime()) : 0;

export function createdRecord(row: KillSwitch, input: CreateSwitchInput, at: Date): TransitionRecord {
  return {
    action: 'created',
    previousState: null,
    newState: false,
    reason: null,
    actor: input.createdBy,
    at,
    details: { ...targetFields(row), autoTripConfig: input.autoTripConfig ?? null },
  };
}

export function activatedRecord(input: ActivateInput, at: Date): TransitionRecord {
  return {
    action: 'activated',
    previousState: false,
    newState: true,
    reason: input.reason,
    actor: input.activatedBy,
    at,
    // The specification's order: the caller's metadata last, so a monitor's own `trigger` (latency, cost) is kept.
    details: {
      trigger: input.activatedBy === 'system:auto_trip' ? 'auto_trip' : 'manual',
      incidentId: input.incidentId ?? null,
      expiresAt: input.expiresAt ? input.expiresAt.toISOString() : null,
      ...input.metadata,
    },
  };
}

/** An active hold extended or re-reasoned: who changed it, and what it was before. */
export function updatedRecord(existing: KillSwitch, input: ActivateInput, at: Date): TransitionRecord {
  return {
    action: 'updated',
    previousState: true,
    newState: true,
    reason: input.reason,
    actor: input.activatedBy,
    at,
    details: {
      incidentId: input.incidentId ?? null,
      expiresAt: (input.expiresAt ?? existing.expiresAt)?.toISOString() ?? null,
      previousReason: existing.reason,
      previousExpiresAt: existing.expiresAt?.toISOString() ?? null,
      activatedBy: existing.activatedBy,
      ...input.metadata,
    },
  };
}

export function deactivatedRecord(existing: KillSwitch, input: DeactivateInput, at: Date): TransitionRecord {
  return {
    action: 'deactivated',
    previousState: true,
    newState: false,
    reason: input.reason,
    actor: input.deactivatedBy,
    at,
    details: {
      ...input.metadata,
      activeDuration: activeDuration(existing, at.getTime()),
      activatedBy: existing.activatedBy,
      activationReason: existing.reason,
    },
  };
}

export function expiredRecord(existing: KillSwitch, at: Date): TransitionRecord {
  return {
    action: 'expired',
    previousState: true,
    newState: false,
    reason: 'Expiry time reached',
    actor: EXPIRY_ACTOR,
    at,
    details: {
      expiresAt: existing.expiresAt?.toISOString() ?? null,
      activeDuration: activeDuration(existing, at.getTime()),
      activatedBy: existing.activatedBy,
      activationReason: existing.reason,
    },
  };
}

/** The history row of a transition (the store assigns `seq`). */
export function historyValues(id: string, row: KillSwitch, record: TransitionRecord) {
  return {
    id,
    killSwitchId: row.id,
    action: record.action,
    previousState: record.previousState,
    newState: record.newState,
    reason: record.reason,
    performedBy: record.actor,
    performedAt: record.at,
    metadata: record.details,
  };
}

/** The audit event of a transition. */
export function auditEventOf(row: KillSwitch, record: TransitionRecord): AuditEventInput {
  return {
    type: AUDIT_TYPES[record.action],
    actor: record.actor,
    target: row.id,
    clientId: row.clientId,
    occurredAt: record.at,
    metadata: {
      ...record.details,
      ...(record.reason === null ? {} : { reason: record.reason }),
      previousState: record.previousState,
      newState: record.newState,
      ...targetFields(row),
    },
  };
}
