/**
 * An in-memory `AuditEmitter` for consumers' unit tests: same validation and
 * the same hash chain as the Postgres emitter, with no database.
 */
import { GENESIS_HASH, hashRecord, newAuditId } from './hash-chain';
import { type AuditClock, type AuditEmitter, type AuditRecord, systemAuditClock } from './ports';
import { validateAuditEvent } from './validate-event';

export interface MemoryAuditEmitterOptions {
  /** Supplies `occurredAt` for events without one. @default the system clock */
  clock?: AuditClock;
}

export interface MemoryAuditEmitter extends AuditEmitter {
  /** Copies of every record emitted so far, in seq order. */
  records(): AuditRecord[];
}

/**
 * `emit` ignores `tx` (there is no transaction to join): a record is kept
 * as soon as `emit` resolves.
 */
export function createMemoryAuditEmitter(options: MemoryAuditEmitterOptions = {}): MemoryAuditEmitter {
  const clock = options.clock ?? systemAuditClock;
  const stored: AuditRecord[] = [];
  return {
    async emit(event): Promise<AuditRecord> {
      const valid = validateAuditEvent(event, () => clock.now());
      const last = stored[stored.length - 1];
      const unhashed = {
        ...valid,
        seq: (last?.seq ?? 0) + 1,
        id: newAuditId(),
        prevHash: last?.hash ?? GENESIS_HASH,
      };
      const record: AuditRecord = { ...unhashed, hash: hashRecord(unhashed) };
      stored.push(record);
      return copyRecord(record);
    },
    records: () => stored.map(copyRecord),
    async close(): Promise<void> {},
  };
}

// Callers may mutate what they get back; the kept chain must not change with it.
function copyRecord(record: AuditRecord): AuditRecord {
  return { ...record, metadata: structuredClone(record.metadata), occurredAt: new Date(record.occurredAt) };
}
