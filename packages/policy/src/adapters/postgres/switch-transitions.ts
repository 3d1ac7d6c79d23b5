/**
 * The write path on PostgreSQL (or PGlite): each transition is ONE
 * transaction holding the switch change, its history row, its audit record
 * and the state version bump. The row is locked first (FOR UPDATE), so
 * concurrent callers serialise and only one of them sees a transition.
 */
import type { PostgresAuditEmitter } from '@rtv/audit';
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
import type { Clock, SwitchStore } from '../../ports';
import {
  type TransitionRecord,
  activatedFields,
  activatedRecord,
  auditEventOf,
  createdRecord,
  deactivatedFields,
  deactivatedRecord,
  duplicateTarget,
  expiredRecord,
  historyValues,
  isEffectivelyActive,
  newSwitchRow,
  notFound,
} from '../../write/transition-records';

type Transitions = Pick<SwitchStore, 'create' | 'activate' | 'deactivate' | 'expireDue'>;

export function createPostgresTransitions(db: Database, audit: PostgresAuditEmitter, clock: Clock): Transitions {
  async function bumpVersion(tx: Transaction, now: Date): Promise<void> {
    await tx
      .update(killSwitchState)
      .set({ version: sql`${killSwitchState.version} + 1`, updatedAt: now })
      .where(eq(killSwitchState.id, 1));
  }

  /** History and audit of one transition, in its own transaction: they commit with the change or not at all. */
  async function record(tx: Transaction, row: KillSwitch, transition: TransitionRecord): Promise<void> {
    await tx.insert(killSwitchHistory).values(historyValues(`ksh_${nanoid()}`, row, transition));
    await audit.emit(auditEventOf(row, transition), { tx });
  }

  async function lockSwitch(tx: Transaction, id: string): Promise<KillSwitch> {
    const [row] = await tx.select().from(killSwitches).where(eq(killSwitches.id, id)).for('update');
    if (!row) throw notFound(id);
    return row;
  }

  async function update(tx: Transaction, id: string, fields: Partial<KillSwitch>): Promise<KillSwitch> {
    const [row] = await tx.update(killSwitches).set(fields).where(eq(killSwitches.id, id)).returning();
    if (!row) throw notFound(id);
    return row;
  }

  return {
    async create(input) {
      const now = new Date(clock.now());
      try {
        return await db.transaction(async (tx) => {
          const [row] = await tx
            .insert(killSwitches)
            .values(newSwitchRow(`ks_${nanoid()}`, input, now))
            .returning();
          if (!row) throw new Error('insert returned no row');
          await record(tx, row, createdRecord(row, input, now));
          return row;
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw duplicateTarget(input, error);
        throw error;
      }
    },

    async activate(input) {
      return db.transaction(async (tx) => {
        const existing = await lockSwitch(tx, input.id);
        // Read the time after the lock: a caller that waited for it must not be stamped before the one it waited on.
        const now = new Date(clock.now());
        if (isEffectivelyActive(existing, now.getTime())) return { row: existing, changed: false };
        const row = await update(tx, input.id, activatedFields(input, now));
        await record(tx, row, activatedRecord(input, now));
        await bumpVersion(tx, now);
        return { row, changed: true };
      });
    },

    async deactivate(input) {
      return db.transaction(async (tx) => {
        const existing = await lockSwitch(tx, input.id);
        const now = new Date(clock.now());
        if (!existing.isActive) return { row: existing, changed: false };
        const row = await update(tx, input.id, deactivatedFields(now));
        await record(tx, row, deactivatedRecord(existing, input, now));
        await bumpVersion(tx, now);
        return { row, changed: true };
      });
    },

    async expireDue() {
      return db.transaction(async (tx) => {
        const now = new Date(clock.now());
        const due = await tx
          .select()
          .from(killSwitches)
          .where(
            and(eq(killSwitches.isActive, true), isNotNull(killSwitches.expiresAt), lte(killSwitches.expiresAt, now)),
          )
          .for('update', { skipLocked: true });
        for (const existing of due) {
          await update(tx, existing.id, deactivatedFields(now));
          await record(tx, existing, expiredRecord(existing, now));
        }
        if (due.length > 0) await bumpVersion(tx, now);
        return due;
      });
    },
  };
}
