/**
 * The write path on PostgreSQL (or PGlite): each transition is ONE transaction holding the
 * switch change, its history row, its audit record and the version bump. The switch row is
 * locked first (FOR UPDATE); the global rows (chain head, version) only by the last statement.
 */
import { type PostgresAuditEmitter, newAuditId } from '@rtv/audit';
import {
  type Database,
  type KillSwitch,
  type Transaction,
  isUniqueViolation,
  killSwitchHistory,
  killSwitches,
} from '@rtv/db';
import { and, eq, isNotNull, lte, sql } from 'drizzle-orm';
import { nanoid } from 'nanoid';
import type { Clock, SwitchStore, WriteOptions } from '../../ports';
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
  holdChanges,
  isEffectivelyActive,
  newSwitchRow,
  notFound,
  updatedRecord,
} from '../../write/transition-records';
import { type WriteAttempt, createWriteRunner } from './write-transaction';

type Transitions = Pick<SwitchStore, 'create' | 'activate' | 'deactivate' | 'expireDue' | 'appendAudit'>;

export function createPostgresTransitions(
  db: Database,
  audit: PostgresAuditEmitter,
  clock: Clock,
  writeTimeoutMs: number,
): Transitions {
  const runWrite = createWriteRunner(db);
  const write = <T>(
    what: string,
    body: (tx: Transaction, attempt: WriteAttempt) => Promise<T>,
    options?: WriteOptions,
  ) => runWrite(what, body, options?.timeoutMs ?? writeTimeoutMs);

  /**
   * History rows, then, as the LAST statement before COMMIT, the audit records with the version
   * bump: the chain head and the version row are locked for one statement, never across round
   * trips. The first audit id marks the transaction, so a lost COMMIT can be settled.
   */
  async function record(
    tx: Transaction,
    attempt: WriteAttempt,
    transitions: readonly { row: KillSwitch; transition: TransitionRecord }[],
    bump: Date | null,
  ): Promise<void> {
    if (transitions.length === 0) return;
    await tx
      .insert(killSwitchHistory)
      .values(transitions.map(({ row, transition }) => historyValues(`ksh_${nanoid()}`, row, transition)));
    const ids = transitions.map(() => newAuditId());
    attempt.marker = ids[0];
    const events = transitions.map(({ row, transition }) => auditEventOf(row, transition));
    const bumpVersion = sql`state_bumped AS (
      UPDATE kill_switch_state SET version = version + 1, updated_at = ${bump?.toISOString() ?? null}::timestamptz WHERE id = 1 RETURNING version)`;
    await audit.emitMany(events, { tx, ids, ...(bump ? { with: bumpVersion } : {}) });
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
    async create(input, options) {
      const now = new Date(clock.now());
      const id = `ks_${nanoid()}`;
      try {
        return await write(
          'creating a kill switch',
          async (tx, attempt) => {
            attempt.id = id;
            const [row] = await tx
              .insert(killSwitches)
              .values(newSwitchRow(id, input, now))
              .returning();
            if (!row) throw new Error('insert returned no row');
            await record(tx, attempt, [{ row, transition: createdRecord(row, input, now) }], null);
            return row;
          },
          options,
        );
      } catch (error) {
        if (isUniqueViolation(error)) throw duplicateTarget(input, error);
        throw error;
      }
    },

    async activate(input, options) {
      return write(
        'activating a kill switch',
        async (tx, attempt) => {
          attempt.id = input.id;
          const existing = await lockSwitch(tx, input.id);
          // Read the time after the lock: a caller that waited for it must not be stamped before the one it waited on.
          const now = new Date(clock.now());
          if (isEffectivelyActive(existing, now.getTime())) {
            const changes = holdChanges(existing, input, now);
            if (!changes) return { row: existing, changed: false };
            const updated = await update(tx, input.id, changes);
            await record(tx, attempt, [{ row: updated, transition: updatedRecord(existing, input, now) }], now);
            return { row: updated, changed: true, updated: true };
          }
          const row = await update(tx, input.id, activatedFields(input, now));
          await record(tx, attempt, [{ row, transition: activatedRecord(input, now) }], now);
          return { row, changed: true };
        },
        options,
      );
    },

    async deactivate(input, options) {
      return write(
        'deactivating a kill switch',
        async (tx, attempt) => {
          attempt.id = input.id;
          const existing = await lockSwitch(tx, input.id);
          const now = new Date(clock.now());
          if (!existing.isActive) return { row: existing, changed: false };
          const row = await update(tx, input.id, deactivatedFields(now));
          await record(tx, attempt, [{ row, transition: deactivatedRecord(existing, input, now) }], now);
          return { row, changed: true };
        },
        options,
      );
    },

    async expireDue(options) {
      return write(
        'expiring kill switches',
        async (tx, attempt) => {
          const now = new Date(clock.now());
          const due = await tx
            .select()
            .from(killSwitches)
            .where(
              and(eq(killSwitches.isActive, true), isNotNull(killSwitches.expiresAt), lte(killSwitches.expiresAt, now)),
            )
            .for('update', { skipLocked: true });
          for (const existing of due) await update(tx, existing.id, deactivatedFields(now));
          const transitions = due.map((existing) => ({ row: existing, transition: expiredRecord(existing, now) }));
          await record(tx, attempt, transitions, due.length > 0 ? now : null);
          return due;
        },
        options,
      );
    },

    async appendAudit(event, options) {
      await write(
        'auditing a refused write',
        async (tx, attempt) => {
          const id = newAuditId();
          attempt.marker = id;
          await audit.emitMany([event], { tx, ids: [id] });
        },
        options,
      );
    },
  };
}
