/**
 * A StateCache in memory, with the same rules as the Redis one (never
 * backwards unless replacing, never over another database's state): for
 * unit tests of the sync logic and the contract suite.
 */
import type { StateCache } from '../../ports';

export interface MemoryStateCache extends StateCache {
  /** Drops the stored snapshot, as a Redis FLUSHALL would. */
  clear(): void;
  /** Stores anything as it is, as a bad writer or an attacker could (tests of a poisoned cache). */
  poison(entry: { version: number; databaseId: string | null; payload: string }): void;
}

interface Entry {
  version: number;
  databaseId: string | null;
  payload: string;
}

export function createMemoryStateCache(): MemoryStateCache {
  let entry: Entry | undefined;
  return {
    async read() {
      if (entry === undefined) return undefined;
      try {
        return JSON.parse(entry.payload) as unknown;
      } catch {
        return entry.payload;
      }
    },
    async readHead() {
      return entry && { version: entry.version, databaseId: entry.databaseId };
    },
    async write(payload, mode) {
      if (entry?.databaseId && entry.databaseId !== payload.databaseId) return 'foreign';
      if (mode === 'if-newer' && entry !== undefined && entry.version >= payload.version) return 'not-newer';
      entry = { version: payload.version, databaseId: payload.databaseId, payload: JSON.stringify(payload) };
      return 'written';
    },
    clear() {
      entry = undefined;
    },
    poison(value) {
      entry = { ...value };
    },
  };
}
