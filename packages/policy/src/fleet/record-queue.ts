/**
 * Receipts go to the audit trail in groups. Under a burst every commit gets
 * a receipt, and each append passes the chain head and waits for its own
 * fsync, as a write does: appended one by one, the receipts took half of
 * what the disk allows. One append is in flight; the records that arrive
 * meanwhile go together in the next (one transaction, one chain append).
 */
import type { AuditEventInput } from '@rtv/audit';

export interface RecordQueue {
  /** Resolves once the record is in the trail; rejects with its group's error. */
  append(event: AuditEventInput): Promise<void>;
}

/** Bounds one append statement. */
const MAX_GROUP = 256;

export function createRecordQueue(appendAll: (events: AuditEventInput[]) => Promise<void>): RecordQueue {
  const queue: { event: AuditEventInput; resolve(): void; reject(error: unknown): void }[] = [];
  let draining: Promise<void> | undefined;

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const group = queue.splice(0, MAX_GROUP);
      try {
        await appendAll(group.map((g) => g.event));
        for (const g of group) g.resolve();
      } catch (error) {
        for (const g of group) g.reject(error);
      }
    }
  }

  return {
    append(event) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ event, resolve, reject });
        draining ??= drain().finally(() => {
          draining = undefined;
        });
      });
    },
  };
}
