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
import { and, asc, eq, inArray, isNotNull, lte, sql } from 'drizzle-orm';
import { nanoid } from 'nanoid';
import type { Clock, StoreWriteResult, SwitchStore, WriteOptions } from '../../ports';
import type { ActivateInput } from '../../types';
import {
  type TransitionRecord,
  activationOf,
  auditEventOf,
  createdRecord,
  deactivatedFields,
  deactivatedRecord,
  duplicateTarget,
  expiredRecord,
  historyValues,
  newSwitchRow,
  notFound,
} from '../../write/transition-records';
import { type WriteAttempt, createWriteRunner } from './write-transaction';

type Transitions = Pick<
  SwitchStore,
  'create' | 'activate' | 'activateMany' | 'deactivate' | 'expireDue' | 'appendAudit'
>;

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

  /**
   * Activations (or hold updates) of one or many switches: the rows are locked in id order (two
   * storms never deadlock), every change is computed here, then written by ONE update, one
   * history insert and the last statement (audit and version).
   */
  async function activateRows(
    tx: Transaction,
    attempt: WriteAttempt,
    inputs: readonly ActivateInput[],
  ): Promise<StoreWriteResult[]> {
    const ids = [...new Set(inputs.map((input) => input.id))].sort();
    const locked = await tx
      .select()
      .from(killSwitches)
      .where(inArray(killSwitches.id, ids))
      .orderBy(asc(killSwitches.id))
      .for('update');
    const rows = new Map(locked.map((row) => [row.id, row]));
    // Read the time after the locks: a caller that waited must not be stamped before the one it waited on.
    const now = new Date(clock.now());
    const results: StoreWriteResult[] = [];
    const transitions: { row: KillSwitch; transition: TransitionRecord }[] = [];
    for (const input of inputs) {
      const existing = rows.get(input.id);
      if (!existing) throw notFound(input.id);
      const step = activationOf(existing, input, now);
      results.push(step.result);
      if (!step.transition) continue;
      rows.set(input.id, step.result.row);
      transitions.push({ row: step.result.row, transition: step.transition });
    }
    if (transitions.length === 0) return results;
    await writeRows(tx, [...new Map(transitions.map(({ row }) => [row.id, row])).values()]);
    await record(tx, attempt, transitions, now);
    return results;
  }

  /** The changed rows' activation fields, in one statement whatever their number. */
  async function writeRows(tx: Transaction, changed: readonly KillSwitch[]): Promise<void> {
    const values = JSON.stringify(
      changed.map((row) => ({
        id: row.id,
        is_active: row.isActive,
        reason: row.reason,
        activated_by: row.activatedBy,
        activated_at: row.activatedAt?.toISOString() ?? null,
        expires_at: row.expiresAt?.toISOString() ?? null,
        updated_at: row.updatedAt.toISOString(),
      })),
    );
    await tx.execute(sql`UPDATE kill_switches AS k SET is_active = v.is_active, reason = v.reason,
        activated_by = v.activated_by, activated_at = v.activated_at, expires_at = v.expires_at, updated_at = v.updated_at
      FROM jsonb_to_recordset(${values}::jsonb) AS v(id text, is_active boolean, reason text, activated_by text,
        activated_at timestamptz, expires_at timestamptz, updated_at timestamptz)
      WHERE k.id = v.id`);
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
      const [result] = await write(
        'activating a kill switch',
        (tx, attempt) => {
          attempt.id = input.id;
          return activateRows(tx, attempt, [input]);
        },
        options,
      );
      if (!result) throw notFound(input.id);
      return result;
    },

    async activateMany(inputs, options) {
      if (inputs.length === 0) return [];
      return write(
        `activating ${inputs.length} kill switches`,
        (tx, attempt) => activateRows(tx, attempt, inputs),
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
