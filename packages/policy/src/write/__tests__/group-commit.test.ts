/**
 * The group commit's logic over a store model (the real PostgreSQL batch is in
 * group-commit.int.test.ts): who shares a commit, who is written alone, and
 * what each caller hears when its batch fails or never starts.
 */
import type { KillSwitch } from '@rtv/db';
import { describe, expect, it } from 'vitest';
import { NotFoundError, OutcomeUnknownError, isOutcomeUnknownError, isStateUnavailableError } from '../../errors';
import type { BatchOutcome, BatchWrite, StoreWriteResult, SwitchStore } from '../../ports';
import type { PublishCommitted } from '../commit-publisher';
import { createGroupCommit } from '../group-commit';

const row = (id: string, isActive: boolean): KillSwitch => ({ id, isActive }) as KillSwitch;

/** A store of switch ids -> active, one version per commit; `gate` holds commits until opened. */
function storeModel() {
  const active = new Map<string, boolean>();
  let version = 0;
  const commits: { version: number; ids: string[] }[] = [];
  let gate: Promise<void> = Promise.resolve();
  let openGate: () => void = () => {};
  const busy = new Set<string>();
  const refused = new Set<string>();
  /** Ids whose write the database refuses whole (a value it will not store): alone, or the batch holding them. */
  const unstorable = new Set<string>();
  let batchFailure: unknown;

  function apply(write: BatchWrite): StoreWriteResult {
    const { id } = write.input;
    if (!active.has(id)) throw new NotFoundError(`kill switch ${id} not found`, id);
    const target = write.kind === 'activate';
    if (active.get(id) === target) return { row: row(id, target), changed: false };
    active.set(id, target);
    return { row: row(id, target), changed: true };
  }
  function commit(writes: BatchWrite[], results: StoreWriteResult[]): StoreWriteResult[] {
    if (!results.some((r) => r.changed)) return results;
    version++;
    commits.push({ version, ids: writes.map((w) => w.input.id) });
    return results.map((r) => (r.changed ? { ...r, version } : r));
  }
  const lone = async (write: BatchWrite) => {
    await gate;
    if (unstorable.has(write.input.id)) throw new Error('value too long for type character varying(200)');
    return commit([write], [apply(write)])[0] as StoreWriteResult;
  };
  const store: Pick<SwitchStore, 'activate' | 'deactivate' | 'writeBatch'> = {
    activate: (input) => lone({ kind: 'activate', input }),
    deactivate: (input) => lone({ kind: 'deactivate', input }),
    async writeBatch(writes) {
      await gate;
      if (batchFailure) throw batchFailure;
      if (writes.some((w) => unstorable.has(w.input.id))) {
        throw new Error('value too long for type character varying(200)');
      }
      const outcomes: BatchOutcome[] = [];
      const done: { write: BatchWrite; result: StoreWriteResult }[] = [];
      for (const write of writes) {
        if (busy.has(write.input.id)) outcomes.push({ status: 'busy' });
        else if (refused.has(write.input.id)) outcomes.push({ status: 'failed', error: new Error('refused') });
        else {
          const result = apply(write);
          done.push({ write, result });
          outcomes.push({ status: 'done', result });
        }
      }
      const committed = commit(
        done.map((d) => d.write),
        done.map((d) => d.result),
      );
      let next = 0;
      return outcomes.map((o) =>
        o.status === 'done' ? { status: 'done', result: committed[next++] } : o,
      ) as BatchOutcome[];
    },
  };
  return {
    store,
    active,
    commits,
    busy,
    refused,
    unstorable,
    failBatches(error: unknown) {
      batchFailure = error;
    },
    hold() {
      gate = new Promise((resolve) => {
        openGate = resolve;
      });
    },
    open: () => openGate(),
  };
}

function publisher() {
  const published: { version: number | undefined; ids: string[] }[] = [];
  const publish: PublishCommitted = async (results = []) => {
    published.push({ version: results[0]?.version, ids: results.map((r) => r.row.id) });
  };
  return { publish, published };
}

const activate = (id: string): BatchWrite => ({
  kind: 'activate',
  input: { id, reason: 'test', activatedBy: 'alice' },
});
const deactivate = (id: string): BatchWrite => ({
  kind: 'deactivate',
  input: { id, reason: 'test', deactivatedBy: 'alice' },
});
const ids = (n: number, prefix = 'ks_') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** `count` switches activated at once (the first goes alone, the rest queue behind it); each call's result or error. */
async function activateAtOnce(model: ReturnType<typeof storeModel>, count: number, publish = publisher().publish) {
  const all = ids(count);
  for (const id of all) model.active.set(id, false);
  const group = createGroupCommit(model.store, publish, 1000);
  model.hold();
  const calls = all.map((id) => group.write(activate(id), { timeoutMs: 1000 }).catch((e: unknown) => e));
  model.open();
  return Promise.all(calls);
}

describe('group commit', () => {
  it('writes a lone call alone and at once', async () => {
    const model = storeModel();
    model.active.set('ks_a', false);
    const { publish, published } = publisher();
    const group = createGroupCommit(model.store, publish, 1000);
    const result = await group.write(activate('ks_a'), { timeoutMs: 1000 });
    expect(result).toMatchObject({ changed: true, version: 1 });
    expect(model.commits).toEqual([{ version: 1, ids: ['ks_a'] }]);
    expect(published).toEqual([{ version: 1, ids: ['ks_a'] }]);
  });

  it('gathers the calls that arrive while commits are in flight into one commit, published once, each caller answered with its own row', async () => {
    const model = storeModel();
    const { publish, published } = publisher();
    const results = (await activateAtOnce(model, 20, publish)) as StoreWriteResult[];
    expect(results.map((r) => r.row.id)).toEqual(ids(20));
    expect(results.every((r) => r.changed)).toBe(true);
    // The first goes at once; the other 19 arrive while it is in flight and share the next commit.
    expect(model.commits.map((c) => c.ids.length)).toEqual([1, 19]);
    expect(published.map((p) => p.ids.length)).toEqual([1, 19]);
    expect(new Set(results.slice(1).map((r) => r.version))).toEqual(new Set([2]));
    expect([...model.active.values()].every(Boolean)).toBe(true);
  });

  it('refuses only the caller whose write failed; the others commit', async () => {
    const model = storeModel();
    model.refused.add('ks_4');
    const settled = await activateAtOnce(model, 6);
    expect((settled[4] as Error).message).toBe('refused');
    expect(model.active.get('ks_4')).toBe(false);
    for (const i of [0, 1, 2, 3, 5]) expect((settled[i] as StoreWriteResult).changed).toBe(true);
  });

  it("writes each member alone when the database refuses the shared commit for one member's value: only that caller fails", async () => {
    const model = storeModel();
    model.unstorable.add('ks_3');
    const settled = await activateAtOnce(model, 6);
    expect((settled[3] as Error).message).toContain('value too long');
    for (const i of [0, 1, 2, 4, 5]) expect((settled[i] as StoreWriteResult).changed).toBe(true);
    expect(model.active.get('ks_3')).toBe(false);
  });

  it('writes alone the calls whose switch another writer holds, after the batch', async () => {
    const model = storeModel();
    model.busy.add('ks_3');
    const { publish, published } = publisher();
    const results = (await activateAtOnce(model, 5, publish)) as StoreWriteResult[];
    expect(results.every((r) => r.changed)).toBe(true);
    expect(model.commits.at(-1)).toEqual({ version: 3, ids: ['ks_3'] });
    expect(published.at(-1)).toEqual({ version: 3, ids: ['ks_3'] });
  });

  it('applies two writes of one switch in their order of arrival', async () => {
    const model = storeModel();
    for (const id of ['ks_x', 'ks_y', 'ks_z']) model.active.set(id, false);
    const { publish } = publisher();
    const group = createGroupCommit(model.store, publish, 1000);
    model.hold();
    const first = group.write(activate('ks_x'), { timeoutMs: 1000 });
    const second = group.write(activate('ks_y'), { timeoutMs: 1000 });
    const on = group.write(activate('ks_z'), { timeoutMs: 1000 });
    const off = group.write(deactivate('ks_z'), { timeoutMs: 1000 });
    model.open();
    await Promise.all([first, second]);
    expect(await on).toMatchObject({ changed: true, row: { isActive: true } });
    expect(await off).toMatchObject({ changed: true, row: { isActive: false } });
    expect(model.active.get('ks_z')).toBe(false);
  });

  it("tells every caller of a batch whose COMMIT answer was lost that the outcome is unknown, naming the caller's switch", async () => {
    const model = storeModel();
    model.failBatches(new OutcomeUnknownError('PostgreSQL got the COMMIT ... may or may not be in effect.'));
    const settled = await activateAtOnce(model, 5);
    for (const i of [1, 2, 3, 4]) {
      expect(isOutcomeUnknownError(settled[i])).toBe(true);
      expect((settled[i] as OutcomeUnknownError).id).toBe(`ks_${i}`);
      expect((settled[i] as Error).message).toContain(`ks_${i}`);
    }
  });

  it('answers a call still queued at its deadline that it was never sent, and never sends it', async () => {
    const model = storeModel();
    const all = ids(3);
    for (const id of all) model.active.set(id, false);
    const { publish } = publisher();
    const group = createGroupCommit(model.store, publish, 10_000);
    model.hold();
    // A commit hangs in flight; the next call queues behind it.
    const inFlight = [group.write(activate('ks_0'), { timeoutMs: 10_000 })];
    const queued = await group.write(activate('ks_2'), { timeoutMs: 50 }).catch((e: unknown) => e);
    expect(isStateUnavailableError(queued)).toBe(true);
    expect((queued as Error).message).toContain('never sent');
    model.open();
    await Promise.all(inFlight);
    await new Promise((r) => setTimeout(r, 20));
    expect(model.active.get('ks_2')).toBe(false);
    expect(model.commits.flatMap((c) => c.ids)).not.toContain('ks_2');
  });

  it('does not let commits that hang hold back the queue past SLOW_BATCH_MS', async () => {
    const model = storeModel();
    const all = ids(3);
    for (const id of all) model.active.set(id, false);
    const { publish } = publisher();
    let hung = true;
    const hanging = new Promise<void>(() => {});
    const store = {
      ...model.store,
      activate: async (input: BatchWrite['input']) => {
        if (hung) {
          hung = input.id !== 'ks_1';
          await hanging;
        }
        return model.store.activate(input as never);
      },
    };
    const group = createGroupCommit(store, publish, 10_000);
    void group.write(activate('ks_0'), { timeoutMs: 10_000 });
    void group.write(activate('ks_1'), { timeoutMs: 10_000 });
    const third = await group.write(activate('ks_2'), { timeoutMs: 10_000 });
    expect(third.changed).toBe(true);
  });
});
