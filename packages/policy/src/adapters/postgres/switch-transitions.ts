/**
 * The write path on PostgreSQL (or PGlite): each transition is ONE transaction holding the
 * switch change, its history row, its audit record and the version bump. The switch row is
 * locked first (FOR UPDATE); the global rows (chain head, version) only by the last statement.
 */
import { type AuditEventInput, type PostgresAuditEmitter, newAuditId } from '@rtv/audit';
import { type Database, type Transaction, isUniqueViolation, killSwitches } from '@rtv/db';
import { nanoid } from 'nanoid';
import type { Clock, SwitchStore, WriteOptions } from '../../ports';
import { deactivationOf } from '../../write/mode-transitions';
import { createdRecord, duplicateTarget, newSwitchRow, notFound } from '../../write/transition-records';
import { writeBatchRows } from './batch-steps';
import { activateRows, advanceRestartRows, expireDueRows, lockSwitch, recordTransitions } from './transition-steps';
import { type WriteAttempt, createWriteRunner } from './write-transaction';

type Transitions = Pick<
  SwitchStore,
  'create' | 'activate' | 'activateMany' | 'deactivate' | 'writeBatch' | 'expireDue' | 'advanceRestarts' | 'appendAudit'
> & { writeBatch: NonNullable<SwitchStore['writeBatch']> };

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
            await recordTransitions(tx, audit, attempt, [{ row, transition: createdRecord(row, input, now) }], null);
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
          return activateRows(tx, audit, clock, attempt, [input]);
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
        (tx, attempt) => activateRows(tx, audit, clock, attempt, inputs),
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
          const step = deactivationOf(existing, input, now);
          if (!step.transition) return step.result;
          const row = step.result.row;
          const version = await recordTransitions(tx, audit, attempt, [{ row, transition: step.transition }], now, [
            row,
          ]);
          return { row, changed: true, version };
        },
        options,
      );
    },

    async writeBatch(writes, options) {
      if (writes.length === 0) return [];
      return write(
        `writing ${writes.length} kill-switch changes in one transaction`,
        (tx, attempt) => writeBatchRows(tx, audit, clock, attempt, writes),
        options,
      );
    },

    async expireDue(options) {
      return write('expiring kill switches', (tx, attempt) => expireDueRows(tx, audit, clock, attempt), options);
    },

    async advanceRestarts(options) {
      return write(
        'advancing gradual restarts',
        (tx, attempt) => advanceRestartRows(tx, audit, clock, attempt),
        options,
      );
    },

    async appendAudit(events, options) {
      const records = Array.isArray(events) ? events : [events as AuditEventInput];
      if (records.length === 0) return;
      await write(
        records.length === 1 ? 'appending an audit record' : `appending ${records.length} audit records`,
        async (tx, attempt) => {
          const ids = records.map(() => newAuditId());
          attempt.marker = ids[0];
          await audit.emitMany(records, { tx, ids });
        },
        options,
      );
    },
  };
}
