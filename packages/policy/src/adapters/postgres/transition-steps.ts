/**
 * The statements of a transition on PostgreSQL, inside the caller's
 * transaction: lock the switch rows, then ONE last statement before COMMIT
 * writing their new state, the history, the audit and the version bump.
 */
import { type PostgresAuditEmitter, newAuditId } from '@rtv/audit';
import { type KillSwitch, type Transaction, killSwitches } from '@rtv/db';
import { type SQL, and, asc, eq, inArray, isNotNull, lte, sql } from 'drizzle-orm';
import { nanoid } from 'nanoid';
import type { Clock, StoreWriteResult } from '../../ports';
import type { ActivateInput } from '../../types';
import { activationOf } from '../../write/activation';
import { restartStepsDue } from '../../write/mode-transitions';
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
 * The LAST statement before COMMIT, one round trip: the changed switch rows (`written`, their
 * new state), the history rows, the audit records and the version bump. The chain head and the
 * version row are locked by this one statement, never across round trips; the switch rows were
 * locked before by the caller. The first audit id marks the transaction, so a lost COMMIT can be
 * settled. Returns the state version the bump made (undefined without a bump), so the writer can
 * patch its own snapshot instead of reloading the whole active set.
 */
export async function recordTransitions(
  tx: Transaction,
  audit: PostgresAuditEmitter,
  attempt: WriteAttempt,
  transitions: readonly { row: KillSwitch; transition: TransitionRecord }[],
  bump: Date | null,
  written: readonly KillSwitch[] = [],
): Promise<number | undefined> {
  if (transitions.length === 0) return undefined;
  const ids = transitions.map(() => newAuditId());
  attempt.marker = ids[0];
  const events = transitions.map(({ row, transition }) => auditEventOf(row, transition));
  const ctes = [
    ...(written.length > 0 ? [switchesWritten(written)] : []),
    historyWritten(transitions.map(({ row, transition }) => historyValues(`ksh_${nanoid()}`, row, transition))),
  ];
  if (bump) {
    ctes.push(sql`state_bumped AS (
    UPDATE kill_switch_state SET version = version + 1, updated_at = ${bump.toISOString()}::timestamptz WHERE id = 1 RETURNING version)`);
  }
  const { returned } = await audit.emitMany(events, {
    tx,
    ids,
    with: sql.join(ctes, sql`,\n  `),
    ...(bump ? { returning: sql`SELECT version FROM state_bumped` } : {}),
  });
  return returned === undefined || returned === null ? undefined : Number(returned);
}

/** The changed rows' fields, whatever their number (each row once: the last state of it). */
export function switchesWritten(changed: readonly KillSwitch[]): SQL {
  const last = [...new Map(changed.map((row) => [row.id, row])).values()];
  const values = JSON.stringify(
    last.map((row) => ({
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
  return sql`switches_written AS (
    UPDATE kill_switches AS k SET is_active = v.is_active, reason = v.reason,
      activated_by = v.activated_by, activated_at = v.activated_at, expires_at = v.expires_at, updated_at = v.updated_at,
      mode = v.mode, allow_actions = v.allow_actions, fraction = v.fraction, restart = v.restart
    FROM jsonb_to_recordset(${values}::jsonb) AS v(id text, is_active boolean, reason text, activated_by text,
      activated_at timestamptz, expires_at timestamptz, updated_at timestamptz, mode text, allow_actions jsonb,
      fraction double precision, restart jsonb)
    WHERE k.id = v.id
    RETURNING k.id)`;
}

/** History rows in the given order: `seq` follows it (two transitions of one switch in one commit). */
export function historyWritten(rows: readonly ReturnType<typeof historyValues>[]): SQL {
  const values = JSON.stringify(rows.map((row) => ({ ...row, performedAt: row.performedAt.toISOString() })));
  return sql`history_written AS (
    INSERT INTO kill_switch_history (id, kill_switch_id, action, previous_state, new_state, reason, performed_by, performed_at, metadata)
    SELECT h->>'id', h->>'killSwitchId', h->>'action', (h->>'previousState')::boolean, (h->>'newState')::boolean,
      h->>'reason', h->>'performedBy', (h->>'performedAt')::timestamptz, NULLIF(h->'metadata', 'null'::jsonb)
    FROM jsonb_array_elements(${values}::jsonb) WITH ORDINALITY AS x(h, n)
    ORDER BY x.n
    RETURNING id)`;
}

/**
 * Activations (or hold updates) of one or many switches: the rows are locked in id order (two
 * storms never deadlock), every change is computed here, then written by the last statement
 * (rows, history, audit and version together).
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
  const written = transitions.map(({ row }) => row);
  const version = await recordTransitions(tx, audit, attempt, transitions, now, written);
  return results.map((result) => (result.changed ? { ...result, version } : result));
}

export async function lockSwitch(tx: Transaction, id: string): Promise<KillSwitch> {
  const [row] = await tx.select().from(killSwitches).where(eq(killSwitches.id, id)).for('update');
  if (!row) throw notFound(id);
  return row;
}

/** What a sweep does to one row it holds: its new state and the transitions to record, or nothing. */
type SweepStep = (existing: KillSwitch, now: Date) => { row: KillSwitch; transitions: TransitionRecord[] } | null;

/**
 * The sweeps' shape: the rows matching `where`, locked in id order with SKIP LOCKED (a row
 * another writer holds waits for the next sweep), each stepped, all written by the last statement.
 * Returns each moved switch as it was and as it is now.
 */
async function sweepRows(
  tx: Transaction,
  audit: PostgresAuditEmitter,
  attempt: WriteAttempt,
  now: Date,
  where: SQL | undefined,
  step: SweepStep,
): Promise<{ before: KillSwitch; after: KillSwitch }[]> {
  const held = await tx
    .select()
    .from(killSwitches)
    .where(where)
    .orderBy(asc(killSwitches.id))
    .for('update', { skipLocked: true });
  const moved: { before: KillSwitch; after: KillSwitch }[] = [];
  const transitions: { row: KillSwitch; transition: TransitionRecord }[] = [];
  for (const existing of held) {
    const due = step(existing, now);
    if (!due) continue;
    moved.push({ before: existing, after: due.row });
    for (const transition of due.transitions) transitions.push({ row: due.row, transition });
  }
  const written = moved.map((m) => m.after);
  await recordTransitions(tx, audit, attempt, transitions, moved.length > 0 ? now : null, written);
  return moved;
}

/** Switches past their expiry, turned off with `expired` history and audit; returns them as they were. */
export async function expireDueRows(
  tx: Transaction,
  audit: PostgresAuditEmitter,
  clock: Clock,
  attempt: WriteAttempt,
): Promise<KillSwitch[]> {
  const now = new Date(clock.now());
  const due = and(eq(killSwitches.isActive, true), isNotNull(killSwitches.expiresAt), lte(killSwitches.expiresAt, now));
  const moved = await sweepRows(tx, audit, attempt, now, due, (existing) => ({
    row: { ...existing, ...deactivatedFields(now) },
    transitions: [expiredRecord(existing, now)],
  }));
  return moved.map((m) => m.before);
}

/** Restart steps the clock has passed (`restart_step` history and audit each); returns the switches that moved. */
export async function advanceRestartRows(
  tx: Transaction,
  audit: PostgresAuditEmitter,
  clock: Clock,
  attempt: WriteAttempt,
): Promise<KillSwitch[]> {
  const now = new Date(clock.now());
  const restarting = and(eq(killSwitches.isActive, true), isNotNull(killSwitches.restart));
  const moved = await sweepRows(tx, audit, attempt, now, restarting, restartStepsDue);
  return moved.map((m) => m.after);
}
