/**
 * The index's switches by id, in `switches` order, shared between versions: a patch makes a
 * table of a small overlay over the base it shares with the version before, instead of copying
 * every id (a 1,000-entry Map copy costs more than the rest of a patch). The overlay is folded
 * into a new base once it holds OVERLAY_LIMIT ids, so a lookup is two map reads at most and a
 * patch costs O(changes + OVERLAY_LIMIT), plus one O(size) fold every OVERLAY_LIMIT changes.
 * Read at patch and publication time only, never by a check.
 */
import type { IndexedSwitch } from './switch-index';

const OVERLAY_LIMIT = 64;

export class IdTable {
  private constructor(
    /** Never written once the table is made. */
    private readonly base: ReadonlyMap<string, IndexedSwitch>,
    /** Ids changed since `base`: the entry now, or null when gone; in the order they were last changed. */
    private readonly overlay: ReadonlyMap<string, IndexedSwitch | null>,
    readonly size: number,
  ) {}

  /** Takes `entries` (in order) as its base: the caller must not write them after. */
  static of(entries: Map<string, IndexedSwitch>): IdTable {
    return new IdTable(entries, new Map(), entries.size);
  }

  get(id: string): IndexedSwitch | undefined {
    const changed = this.overlay.get(id);
    if (changed !== undefined) return changed ?? undefined;
    return this.overlay.has(id) ? undefined : this.base.get(id);
  }

  /**
   * Every entry in order: the base's unchanged ones, then the changed ones in the order they
   * were last changed, which is "kept, then added" after every patch in turn.
   */
  *values(): IterableIterator<IndexedSwitch> {
    for (const [id, entry] of this.base) if (!this.overlay.has(id)) yield entry;
    for (const entry of this.overlay.values()) if (entry !== null) yield entry;
  }

  *keys(): IterableIterator<string> {
    for (const entry of this.values()) yield entry.summary.id;
  }

  /** A new table with `edits` applied in their order (null: the id is gone); this one is not changed. */
  with(edits: ReadonlyMap<string, IndexedSwitch | null>): IdTable {
    const overlay = new Map(this.overlay);
    let size = this.size;
    for (const [id, entry] of edits) {
      if (this.get(id) !== undefined) size -= 1;
      if (entry !== null) size += 1;
      // Moved to the end: an id changed again comes after every id changed before it.
      overlay.delete(id);
      if (entry !== null || this.base.has(id)) overlay.set(id, entry);
    }
    const next = new IdTable(this.base, overlay, size);
    if (overlay.size < OVERLAY_LIMIT) return next;
    return IdTable.of(new Map(Array.from(next.values(), (e) => [e.summary.id, e])));
  }
}
