/**
 * The write path: each transition is ONE transaction holding the switch
 * change, its history row, its audit record and the state version bump, so
 * they commit together or not at all. The row is locked first (FOR UPDATE),
 * so concurrent callers serialise and only one of them sees a transition.
 */
import type { AuditEmitter } from '@rtv/audit';
import {
  type Database,
  type KillSwitch,
  type Transaction,
  isUniqueViolation,
  killSwitchHistory,
  killSwitchState,
  killSwitches,
} from '@rtv/db';
import { and, eq, isNotNull, lte, sql } from 'drizzle-orm';
import { nanoid } from 'nanoid';
import { ConflictError, NotFoundError } from '../errors';
import type { Clock } from '../ports';
import type { ActivateInput, CreateSwitchInput, DeactivateInput } from '../types';

export const AUDIT_TYPES = {
  created: 'KILL_SWITCH_CREATED',
  activated: 'KILL_SWITCH_ACTIVATED',
  deactivated: 'KILL_SWITCH_DEACTIVATED',
  expired: 'KILL_SWITCH_EXPIRED',
  denied: 'KILL_SWITCH_ACCESS_DENIED',
} as const;

/** The history actions the writer records, each with its audit type. */
type TransitionAction = 'created' | 'activated' | 'deactivated' | 'expired';

/** The actor recorded for expiries. */
export const EXPIRY_ACTOR = 'system:expiry';

export const notFound = (id: string) => new NotFoundError(`Kill switch not found: ${id}`, id);

/** Whether a switch blocks at `now`: active and not past its expiry. */
export const isEffectivelyActive = (row: KillSwitch, now: number): boolean =>
  row.isActive && (row.expiresAt === null || row.expiresAt.getTime() > now);

function targetFields(row: KillSwitch) {
  return {
    scope: row.scope,
    targetType: row.targetType,
    targetValue: row.targetValue,
    clientId: row.clientId,
    platform: row.platform,
  };
}

export interface WriteResult {
  row: KillSwitch;
  changed: boolean;
}

export interface SwitchWriter {
  create(input: CreateSwitchInput): Promise<KillSwitch>;
  activate(input: ActivateInput): Promise<WriteResult>;
  deactivate(input: DeactivateInput): Promise<WriteResult>;
  /** Turns switches past their expiry off, with `expired` history; returns them. */
  expireDue(): Promise<KillSwitch[]>;
}

export function createSwitchWriter(db: Database, audit: AuditEmitter, clock: Clock): SwitchWriter {
  async function bumpVersion(tx: Transaction, now: Date): Promise<void> {
    await tx
      .update(killSwitchState)
      .set({ version: sql`${killSwitchState.version} + 1`, updatedAt: now })
      .where(eq(killSwitchState.id, 1));
  }

  /**
   * The history row and the audit record of one transition, in the
   * transition's own transaction: they commit with the state change or not at all.
   */
  async function recordTransition(
    tx: Transaction,
    t: {
      row: KillSwitch;
      action: TransitionAction;
      previousState: boolean | null;
      newState: boolean;
      reason: string | null;
      actor: string;
      at: Date;
      details: Record<string, unknown>;
    },
  ): Promise<void> {
    await tx.insert(killSwitchHistory).values({
      id: `ksh_${nanoid()}`,
      killSwitchId: t.row.id,
      action: t.action,
      previousState: t.previousState,
      newState: t.newState,
      reason: t.reason,
      performedBy: t.actor,
      performedAt: t.at,
      metadata: t.details,
    });
    await audit.emit(
      {
        type: AUDIT_TYPES[t.action],
        actor: t.actor,
        target: t.row.id,
        clientId: t.row.clientId,
        occurredAt: t.at,
        metadata: {
          ...t.details,
          ...(t.reason === null ? {} : { reason: t.reason }),
          previousState: t.previousState,
          newState: t.newState,
          ...targetFields(t.row),
        },
      },
      { tx },
    );
  }

  async function lockSwitch(tx: Transaction, id: string): Promise<KillSwitch> {
    const [row] = await tx.select().from(killSwitches).where(eq(killSwitches.id, id)).for('update');
    if (!row) throw notFound(id);
    return row;
  }

  return {
    async create(input) {
      const now = new Date(clock.now());
      const id = `ks_${nanoid()}`;
      try {
        return await db.transaction(async (tx) => {
          const [row] = await tx
            .insert(killSwitches)
            .values({
              id,
              scope: input.scope,
              targetType: input.targetType,
              targetValue: input.targetValue,
              clientId: input.clientId ?? null,
              platform: input.platform ?? null,
              autoTripConfig: input.autoTripConfig ?? null,
              isActive: false,
              createdAt: now,
              updatedAt: now,
            })
            .returning();
          if (!row) throw new Error('insert returned no row');
          await recordTransition(tx, {
            row,
            action: 'created',
            previousState: null,
            newState: false,
            reason: null,
            actor: input.createdBy,
            at: now,
            details: { ...targetFields(row), autoTripConfig: input.autoTripConfig ?? null },
          });
          return row;
        });
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new ConflictError(
            `A kill switch for this target already exists (scope ${input.scope}, ${input.targetType}:${input.targetValue}` +
              `${input.clientId ? `, client ${input.clientId}` : ''}${input.platform ? `, platform ${input.platform}` : ''})`,
            { cause: error },
          );
        }
        throw error;
      }
    },

    async activate(input) {
      return db.transaction(async (tx) => {
        const existing = await lockSwitch(tx, input.id);
        // Read the time after the lock: a caller that waited for it must not be stamped before the one it waited on.
        const nowMs = clock.now();
        const now = new Date(nowMs);
        if (isEffectivelyActive(existing, nowMs)) return { row: existing, changed: false };
        const [row] = await tx
          .update(killSwitches)
          .set({
            isActive: true,
            reason: input.reason,
            activatedBy: input.activatedBy,
            activatedAt: now,
            expiresAt: input.expiresAt ?? null,
            updatedAt: now,
          })
          .where(eq(killSwitches.id, input.id))
          .returning();
        if (!row) throw notFound(input.id);
        const details = {
          ...input.metadata,
          trigger: input.activatedBy === 'system:auto_trip' ? 'auto_trip' : 'manual',
          incidentId: input.incidentId ?? null,
          expiresAt: input.expiresAt ? input.expiresAt.toISOString() : null,
        };
        await recordTransition(tx, {
          row,
          action: 'activated',
          previousState: false,
          newState: true,
          reason: input.reason,
          actor: input.activatedBy,
          at: now,
          details,
        });
        await bumpVersion(tx, now);
        return { row, changed: true };
      });
    },

    async deactivate(input) {
      return db.transaction(async (tx) => {
        const existing = await lockSwitch(tx, input.id);
        // Read the time after the lock: a caller that waited for it must not be stamped before the one it waited on.
        const nowMs = clock.now();
        const now = new Date(nowMs);
        if (!existing.isActive) return { row: existing, changed: false };
        const activeDuration = existing.activatedAt ? Math.max(0, nowMs - existing.activatedAt.getTime()) : 0;
        const [row] = await tx
          .update(killSwitches)
          .set({ isActive: false, reason: null, activatedBy: null, activatedAt: null, expiresAt: null, updatedAt: now })
          .where(eq(killSwitches.id, input.id))
          .returning();
        if (!row) throw notFound(input.id);
        const details = {
          ...input.metadata,
          activeDuration,
          activatedBy: existing.activatedBy,
          activationReason: existing.reason,
        };
        await recordTransition(tx, {
          row,
          action: 'deactivated',
          previousState: true,
          newState: false,
          reason: input.reason,
          actor: input.deactivatedBy,
          at: now,
          details,
        });
        await bumpVersion(tx, now);
        return { row, changed: true };
      });
    },

    async expireDue() {
      return db.transaction(async (tx) => {
        const nowMs = clock.now();
        const now = new Date(nowMs);
        const due = await tx
          .select()
          .from(killSwitches)
          .where(
            and(eq(killSwitches.isActive, true), isNotNull(killSwitches.expiresAt), lte(killSwitches.expiresAt, now)),
          )
          .for('update', { skipLocked: true });
        if (due.length === 0) return [];
        for (const existing of due) {
          await tx
            .update(killSwitches)
            .set({
              isActive: false,
              reason: null,
              activatedBy: null,
              activatedAt: null,
              expiresAt: null,
              updatedAt: now,
            })
            .where(eq(killSwitches.id, existing.id));
          const details = {
            expiresAt: existing.expiresAt?.toISOString() ?? null,
            activeDuration: existing.activatedAt ? Math.max(0, nowMs - existing.activatedAt.getTime()) : 0,
            activatedBy: existing.activatedBy,
            activationReason: existing.reason,
          };
          await recordTransition(tx, {
            row: existing,
            action: 'expired',
            previousState: true,
            newState: false,
            reason: 'Expiry time reached',
            actor: EXPIRY_ACTOR,
            at: now,
            details,
          });
        }
        await bumpVersion(tx, now);
        return due;
      });
    },
  };
}
