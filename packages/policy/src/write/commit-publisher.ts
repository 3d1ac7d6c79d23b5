/**
 * What every write does after its commit: make the change visible, here at
 * once and to the other instances in the background. A failed publication
 * only delays the others (they poll), so it is logged, never thrown.
 */
import { type Logger, errorFields } from '@rtv/audit';
import type { StoreWriteResult } from '../ports';
import type { SnapshotSync } from '../sync/snapshot-sync';

export type PublishCommitted = (results?: readonly StoreWriteResult[]) => Promise<void>;

/** With the results, this instance patches the committed rows in when the store said which version they made. */
export function createCommitPublisher(sync: Pick<SnapshotSync, 'publish'>, logger: Logger): PublishCommitted {
  return async (results = []) => {
    const version = results.find((r) => r.version !== undefined)?.version;
    // A switch written twice in one commit (a group commit) counts by its last form.
    const rows = [...new Map(results.filter((r) => r.changed).map((r) => [r.row.id, r.row])).values()];
    try {
      await sync.publish(version === undefined ? undefined : { version, rows });
    } catch (error) {
      logger.warn(
        { ...errorFields(error), during: 'publish' },
        'kill-switch change committed; telling other instances failed (they will poll)',
      );
    }
  };
}
