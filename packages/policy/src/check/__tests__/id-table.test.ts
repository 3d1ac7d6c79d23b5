/**
 * The id table answers as a plain Map edited in place (delete, then set at the end) would,
 * over long random edit sequences that fold the overlay into a new base many times, and a
 * table already made never changes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdTable } from '../id-table';
import type { IndexedSwitch } from '../switch-index';

const entry = (id: string, n: number) => ({ summary: { id }, n }) as unknown as IndexedSwitch;
const IDS = Array.from({ length: 40 }, (_, i) => `ks_${i}`);
const edits = fc.array(fc.array(fc.tuple(fc.constantFrom(...IDS), fc.boolean()), { minLength: 1, maxLength: 6 }), {
  minLength: 1,
  maxLength: 120,
});

const listed = (t: IdTable) => Array.from(t.values());

describe('IdTable', () => {
  it('keeps the order and entries of a Map edited in place, and never changes a table already made', () => {
    fc.assert(
      fc.property(edits, (patches) => {
        const reference = new Map<string, IndexedSwitch>();
        let table = IdTable.of(new Map());
        let n = 0;
        for (const patch of patches) {
          const batch = new Map<string, IndexedSwitch | null>();
          for (const [id, keep] of patch) {
            const next = keep ? entry(id, n++) : null;
            batch.delete(id);
            batch.set(id, next);
            reference.delete(id);
            if (next) reference.set(id, next);
          }
          const before = listed(table);
          const next = table.with(batch);
          expect(listed(table)).toEqual(before);
          table = next;
          expect(listed(table)).toEqual([...reference.values()]);
          expect(table.size).toBe(reference.size);
          for (const id of IDS) expect(table.get(id)).toBe(reference.get(id));
        }
      }),
      { numRuns: 100 },
    );
  });
});
