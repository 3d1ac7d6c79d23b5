/**
 * A StateCache in memory, with the same never-go-backwards rule as the
 * Redis one: for unit tests of the sync logic.
 */
import type { SnapshotPayload } from '../../check/snapshot';
import type { StateCache } from '../../ports';

export interface MemoryStateCache extends StateCache {
  /** Drops the stored snapshot, as a Redis FLUSHALL would. */
  clear(): void;
}

export function createMemoryStateCache(): MemoryStateCache {
  let stored: string | undefined;
  let version: number | undefined;
  return {
    async read() {
      return stored === undefined ? undefined : (JSON.parse(stored) as SnapshotPayload);
    },
    async readVersion() {
      return version;
    },
    async writeIfNewer(payload) {
      if (version !== undefined && version >= payload.version) return false;
      version = payload.version;
      stored = JSON.stringify(payload);
      return true;
    },
    clear() {
      stored = undefined;
      version = undefined;
    },
  };
}
