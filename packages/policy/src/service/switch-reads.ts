import type { Clock, SwitchStore } from '../ports';
import { asStoreError } from '../store-errors';
import type { KillSwitchService } from '../types';
import { parseListActiveFilter, parseListFilter, parseSwitchId } from '../validation';
/**
 * What the service answers from the store rather than the snapshot: lists,
 * single switches and history, for operators and tools (the CLI reads
 * nothing else).
 */
import { notFound } from '../write/transition-records';

export type SwitchReads = Pick<KillSwitchService, 'listActive' | 'list' | 'getById' | 'getHistory'>;

export function createSwitchReads(store: SwitchStore, clock: Clock, assertOpen: () => void): SwitchReads {
  async function read<T>(during: string, run: () => Promise<T>): Promise<T> {
    assertOpen();
    try {
      return await run();
    } catch (error) {
      throw asStoreError(error, during);
    }
  }

  async function getById(id: string) {
    const row = await store.get(id);
    if (!row) throw notFound(id);
    return row;
  }

  return {
    async listActive(filter) {
      const parsed = parseListActiveFilter(filter);
      return read('listing active kill switches', () => store.list({ ...parsed, activeAt: new Date(clock.now()) }));
    },
    async list(filter) {
      const { activeOnly, ...parsed } = parseListFilter(filter);
      return read('listing kill switches', () =>
        store.list(activeOnly ? { ...parsed, activeAt: new Date(clock.now()) } : parsed),
      );
    },
    async getById(id) {
      const parsed = parseSwitchId(id);
      return read('reading a kill switch', () => getById(parsed));
    },
    async getHistory(id) {
      const parsed = parseSwitchId(id);
      return read('reading kill switch history', async () => {
        await getById(parsed);
        return store.history(parsed);
      });
    },
  };
}
