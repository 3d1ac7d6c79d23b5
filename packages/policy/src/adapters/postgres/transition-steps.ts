/**
 * The statements of a transition on PostgreSQL, each inside the caller's
 * transaction: lock and change switch rows, and record history, audit and
 * the version bump as the LAST statement before COMMIT.
 */
import { type PostgresAuditEmitter, newAuditId } from '@rtv/audit';
import { type KillSwitch, type Transaction, killSwitchHistory, killSwitches } from '@rtv/db';
import { and, asc, eq, inArray, isNotNull, lte, sql } from 'drizzle-orm';
import { nanoid } from 'nanoid';
import type { Clock, StoreWriteResult } from '../../ports';
import type { ActivateInput } from '../../types';
import { activationOf } from '../../write/activation';
import {
  type TransitionRecord,
  auditEventOf,
  deactivatedFields,
  expiredRecord,
  historyValues,
  notFound,
} from '../../write/transition-records';
import type { WriteAttempt } from './write-transaction';

/**
 * History rows, then, as the LAST statement before COMMIT, the audit records with the version
 * bump: the chain head and the version row are locked for one statement, never across round
 * trips. The first audit id marks the transaction, so a lost COMMIT can be settled. Returns the
 * state version the bump made (undefined without a bump), so the writer can patch its own
 * snapshot instead of reloading the whole active set.
 */
export async function recordTransitions(
  tx: Transaction,
  audit: PostgresAuditEmitter,
  attempt: WriteAttempt,
  transitions: readonly { row: KillSwitch; transition: TransitionRecord }[],
  bump: Date | null,
): Promise<number | undefined> {
  if (transitions.length === 0) return undefined;
  await tx
    .insert(killSwitchHistory)
    .values(transitions.map(({ row, transition }) => historyValues(`ksh_${nanoid()}`, row, transition)));
  const ids = transitions.map(() => newAuditId());
  attempt.marker = ids[0];
  const events = transitions.map(({ row, transition }) => auditEventOf(row, transition));
  const bumpVersion = sql`state_bumped AS (
    UPDATE kill_switch_state SET version = version + 1, updated_at = ${bump?.toISOString() ?? null}::timestamptz WHERE id = 1 RETURNING version)`;
  const { returned } = await audit.emitMany(
    events,
    bump ? { tx, ids, with: bumpVersion, returning: sql`SELECT version FROM state_bumped` } : { tx, ids },
  );
  return returned === undefined || returned === null ? undefined : Number(returned);
}

/**
 * Activations (or hold updates) of one or many switches: the rows are locked in id order (two
 * storms never deadlock), every change is computed here, then written by ONE update, one
 * history insert and the last statement (audit and version).
 */
export async function activateRows(
  tx: Transaction,
  audit: PostgresAuditEmitter,
  clock: Clock,
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
  const version = await recordTransitions(tx, audit, attempt, transitions, now);
  return results.map((result) => (result.changed ? { ...result, version } : result));
}

/** The changed rows' activation fields, in one statement whatever their number. */
export async function writeRows(tx: Transaction, changed: readonly KillSwitch[]): Promise<void> {
  const values = JSON.stringify(
    changed.map((row) => ({
      id: row.id,
      is_active: row.isActive,
      reason: row.reason,
      activated_by: row.activatedBy,
      activated_at: row.activatedAt?.toISOString() ?? null,
      expires_at: row.expiresAt?.toISOString() ?? null,
      updated_at: row.updatedAt.toISOString(),
      mode: row.mode,
      allow_actions: row.allowActions,
      fraction: row.fraction,
      restart: row.restart,
    })),
  );
  await tx.execute(sql`UPDATE kill_switches AS k SET is_active = v.is_active, reason = v.reason,
      activated_by = v.activated_by, activated_at = v.activated_at, expires_at = v.expires_at, updated_at = v.updated_at,
      mode = v.mode, allow_actions = v.allow_actions, fraction = v.fraction, restart = v.restart
    FROM jsonb_to_recordset(${values}::jsonb) AS v(id text, is_active boolean, reason text, activated_by text,
      activated_at timestamptz, expires_at timestamptz, updated_at timestamptz, mode text, allow_actions jsonb,
      fraction double precision, restart jsonb)
    WHERE k.id = v.id`);
}

export async function lockSwitch(tx: Transaction, id: string): Promise<KillSwitch> {
  const [row] = await tx.select().from(killSwitches).where(eq(killSwitches.id, id)).for('update');
  if (!row) throw notFound(id);
  return row;
}

export async function updateSwitch(tx: Transaction, id: string, fields: Partial<KillSwitch>): Promise<KillSwitch> {
  const [row] = await tx.update(killSwitches).set(fields).where(eq(killSwitches.id, id)).returning();
  if (!row) throw notFound(id);
  return row;
}

/** Switches past their expiry, turned off with `expired` history and audit; rows another writer holds wait for the next sweep. */
export async function expireDueRows(
  tx: Transaction,
  audit: PostgresAuditEmitter,
  clock: Clock,
  attempt: WriteAttempt,
): Promise<KillSwitch[]> {
  const now = new Date(clock.now());
  const due = await tx
    .select()
    .from(killSwitches)
    .where(and(eq(killSwitches.isActive, true), isNotNull(killSwitches.expiresAt), lte(killSwitches.expiresAt, now)))
    .for('update', { skipLocked: true });
  for (const existing of due) await updateSwitch(tx, existing.id, deactivatedFields(now));
  const transitions = due.map((existing) => ({ row: existing, transition: expiredRecord(existing, now) }));
  await recordTransitions(tx, audit, attempt, transitions, due.length > 0 ? now : null);
  return due;
}
