/**
 * Wraps a store so a test can make it fail as a real one does: down (every
 * call fails as a dead server's would), the next writes failing, or this
 * instance not yet seeing changes that were committed.
 */
import type { ActiveState, StoreWriteResult, SwitchStore } from '../ports';

export interface StoreFaults {
  /** Every store call fails with a connection error, as with a dead PostgreSQL. */
  storeDown(down?: boolean): void;
  /** The next `count` writes fail with a connection error; nothing of them is written. */
  failNextWrites(count: number): void;
  /** From now on this instance does not see committed changes (a notice not yet arrived); await it. */
  holdPropagation(): Promise<void>;
  /** Lets the held changes through; the next sync applies them. */
  releasePropagation(): void;
}

/** What a refused connection looks like from the drivers: the service turns it into `StateUnavailableError`. */
function connectionRefused(what: string): Error {
  return Object.assign(new Error(`connect ECONNREFUSED (simulated: store down during ${what})`), {
    code: 'ECONNREFUSED',
  });
}

const WRITES = new Set<keyof SwitchStore>(['create', 'activate', 'activateMany', 'deactivate', 'expireDue']);

export function withStoreFaults(store: SwitchStore): { store: SwitchStore; faults: StoreFaults } {
  let down = false;
  let failingWrites = 0;
  let held: ActiveState | undefined;

  const guard = (name: keyof SwitchStore) => {
    if (down) throw connectionRefused(name);
    if (WRITES.has(name) && failingWrites > 0) {
      failingWrites -= 1;
      throw connectionRefused(name);
    }
  };

  const guarded = <T>(name: keyof SwitchStore, run: () => Promise<T>): Promise<T> => {
    guard(name);
    return run();
  };

  // While held, a write does not tell its version: this instance must not patch its own commit in.
  const unheld = (result: StoreWriteResult): StoreWriteResult => (held ? { ...result, version: undefined } : result);

  const wrapped: SwitchStore = {
    create: async (input, options) => guarded('create', () => store.create(input, options)),
    activate: async (input, options) => unheld(await guarded('activate', () => store.activate(input, options))),
    activateMany: async (inputs, options) =>
      (await guarded('activateMany', () => store.activateMany(inputs, options))).map(unheld),
    deactivate: async (input, options) => unheld(await guarded('deactivate', () => store.deactivate(input, options))),
    expireDue: async (options) => guarded('expireDue', () => store.expireDue(options)),
    get: async (id) => guarded('get', () => store.get(id)),
    findByTarget: async (target) => guarded('findByTarget', () => store.findByTarget(target)),
    list: async (filter) => guarded('list', () => store.list(filter)),
    history: async (id) => guarded('history', () => store.history(id)),
    loadActive: async () => guarded('loadActive', async () => held ?? store.loadActive()),
    readVersion: async () => guarded('readVersion', async () => held?.version ?? store.readVersion()),
    appendAudit: async (event, options) => guarded('appendAudit', () => store.appendAudit(event, options)),
  };

  return {
    store: wrapped,
    faults: {
      storeDown(value = true) {
        down = value;
      },
      failNextWrites(count) {
        failingWrites = count;
      },
      async holdPropagation() {
        // Freezes what this instance can read at the state it has now.
        held ??= await store.loadActive();
      },
      releasePropagation() {
        held = undefined;
      },
    },
  };
}
