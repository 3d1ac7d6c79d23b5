/**
 * Group commit on PostgreSQL: many callers' activations and deactivations in
 * ONE transaction. The rows are locked in id order with SKIP LOCKED, so a row
 * another writer holds never makes the batch wait: that write is handed back
 * (`busy`) to be written alone, and waits on its own. Every change is computed
 * here, in the callers' order, then written by the last statement (rows,
 * history, audit and version bump together).
 */
import type { PostgresAuditEmitter } from '@rtv/audit';
import { type KillSwitch, type Transaction, killSwitches } from '@rtv/db';
import { asc, inArray } from 'drizzle-orm';
import type { BatchOutcome, BatchWrite, Clock } from '../../ports';
import { activationOf } from '../../write/activation';
import { deactivationOf } from '../../write/mode-transitions';
import type { TransitionRecord } from '../../write/transition-records';
import { recordTransitions } from './transition-steps';
import type { WriteAttempt } from './write-transaction';

type Step = ReturnType<typeof activationOf>;

const stepOf = (write: BatchWrite, existing: KillSwitch, now: Date): Step =>
  write.kind === 'activate' ? activationOf(existing, write.input, now) : deactivationOf(existing, write.input, now);

export async function writeBatchRows(
  tx: Transaction,
  audit: PostgresAuditEmitter,
  clock: Clock,
  attempt: WriteAttempt,
  writes: readonly BatchWrite[],
): Promise<BatchOutcome[]> {
  const ids = [...new Set(writes.map((write) => write.input.id))].sort();
  const locked = await tx
    .select()
    .from(killSwitches)
    .where(inArray(killSwitches.id, ids))
    .orderBy(asc(killSwitches.id))
    .for('update', { skipLocked: true });
  const rows = new Map(locked.map((row) => [row.id, row]));
  // Read the time after the locks, as a lone write does.
  const now = new Date(clock.now());
  const outcomes: BatchOutcome[] = [];
  const transitions: { row: KillSwitch; transition: TransitionRecord }[] = [];
  for (const write of writes) {
    const existing = rows.get(write.input.id);
    if (!existing) {
      outcomes.push({ status: 'busy' });
      continue;
    }
    let step: Step;
    try {
      step = stepOf(write, existing, now);
    } catch (error) {
      outcomes.push({ status: 'failed', error });
      continue;
    }
    outcomes.push({ status: 'done', result: step.result });
    if (!step.transition) continue;
    // A later write of the same switch in this batch starts from this one's result.
    rows.set(existing.id, step.result.row);
    transitions.push({ row: step.result.row, transition: step.transition });
  }
  if (transitions.length === 0) return outcomes;
  const written = transitions.map(({ row }) => row);
  const version = await recordTransitions(tx, audit, attempt, transitions, now, written);
  return outcomes.map((outcome) =>
    outcome.status === 'done' && outcome.result.changed
      ? { status: 'done', result: { ...outcome.result, version } }
      : outcome,
  );
}
