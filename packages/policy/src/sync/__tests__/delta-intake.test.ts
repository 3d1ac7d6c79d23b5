/**
 * Deltas applied in version order whatever order they arrive in: a reader
 * that learns N+2 before N+1 applies both without reading the snapshot, a
 * writer's own commit is held when it returns, and a gap no notice fills is
 * closed by reading the named version.
 */
import type { KillSwitch } from '@rtv/db';
import { describe, expect, it } from 'vitest';
import { type Snapshot, createSnapshot, toSummary, toSwitchPayload } from '../../check/snapshot';
import { noopMetrics } from '../../ports';
import { createDeltaIntake } from '../delta-intake';
import { createSnapshotSlot } from '../snapshot-slot';

const DB = 'db_test';

const row = (id: string, isActive = true): KillSwitch => ({
  id,
  clientId: null,
  scope: 'action',
  targetType: 'action',
  targetValue: id,
  platform: null,
  isActive,
  reason: 'a reason for it',
  activatedBy: 'tester',
  activatedAt: new Date(0),
  expiresAt: null,
  autoTripConfig: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
});

const delta = (version: number, id: string, active = true) => ({
  version,
  databaseId: DB,
  base: version - 1,
  changes: [{ id, switch: active ? toSwitchPayload(toSummary(row(id))) : null }],
});

const ids = (snapshot: Snapshot | undefined) => snapshot?.index.switches.map((s) => s.id).sort();

function setup(options: { cache?: Snapshot; source?: Snapshot } = {}) {
  const slot = createSnapshotSlot(noopMetrics);
  slot.swap(createSnapshot(10, [toSummary(row('ks_a'))], DB));
  const reads = { cache: 0, source: 0 };
  const intake = createDeltaIntake({
    slot,
    graceMs: 20,
    metrics: noopMetrics,
    report: () => {},
    step: {
      async readCacheAtLeast(version) {
        reads.cache += 1;
        return options.cache && options.cache.version >= version ? options.cache : undefined;
      },
    },
    async holdAtLeast(version) {
      reads.source += 1;
      if (options.source && options.source.version >= version) slot.swap(options.source);
    },
  });
  return { slot, intake, reads };
}

describe('delta intake', () => {
  it('applies N+2 that arrived before N+1 once N+1 arrives, reading nothing', async () => {
    const { slot, intake, reads } = setup();
    await intake.takeNotice(delta(12, 'ks_c'));
    expect(slot.current?.version).toBe(10);
    await intake.takeNotice(delta(11, 'ks_b'));
    expect(slot.current?.version).toBe(12);
    expect(ids(slot.current)).toEqual(['ks_a', 'ks_b', 'ks_c']);
    await new Promise((r) => setTimeout(r, 40));
    expect(reads).toEqual({ cache: 0, source: 0 });
  });

  it('removes a switch a delta says no longer blocks', async () => {
    const { slot, intake } = setup();
    await intake.takeNotice(delta(11, 'ks_a', false));
    expect(ids(slot.current)).toEqual([]);
  });

  it('holds its own commit when it returns, patched when it follows this version', async () => {
    const { slot, intake, reads } = setup();
    await intake.takeCommit({ version: 11, rows: [row('ks_b')] });
    expect(slot.current?.version).toBe(11);
    expect(reads).toEqual({ cache: 0, source: 0 });
  });

  it("waits for another writer's earlier version, then applies both", async () => {
    const { slot, intake, reads } = setup();
    const committed = intake.takeCommit({ version: 12, rows: [row('ks_c')] });
    await intake.takeNotice(delta(11, 'ks_b'));
    await committed;
    expect(slot.current?.version).toBe(12);
    expect(ids(slot.current)).toEqual(['ks_a', 'ks_b', 'ks_c']);
    expect(reads).toEqual({ cache: 0, source: 0 });
  });

  it('loads from the source when the earlier version never arrives', async () => {
    const source = createSnapshot(12, [toSummary(row('ks_a')), toSummary(row('ks_b')), toSummary(row('ks_c'))], DB);
    const { slot, intake, reads } = setup({ source });
    await intake.takeCommit({ version: 12, rows: [row('ks_c')] });
    expect(slot.current?.version).toBe(12);
    expect(reads.source).toBe(1);
  });

  it('closes a gap no notice fills by reading the named version from the cache', async () => {
    const cache = createSnapshot(12, [toSummary(row('ks_a')), toSummary(row('ks_b')), toSummary(row('ks_c'))], DB);
    const { slot, intake, reads } = setup({ cache });
    await intake.takeNotice(delta(12, 'ks_c'));
    expect(slot.current?.version).toBe(10);
    await new Promise((r) => setTimeout(r, 80));
    expect(slot.current?.version).toBe(12);
    expect(reads).toEqual({ cache: 1, source: 0 });
  });

  it("ignores another database's notice and one for a version it holds", async () => {
    const { slot, intake } = setup();
    await intake.takeNotice({ ...delta(11, 'ks_b'), databaseId: 'db_other' });
    await intake.takeNotice(delta(10, 'ks_b'));
    expect(slot.current?.version).toBe(10);
    expect(ids(slot.current)).toEqual(['ks_a']);
  });

  it('does not apply a delta whose switch is malformed, and reads instead', async () => {
    const cache = createSnapshot(11, [toSummary(row('ks_a'))], DB);
    const { slot, intake, reads } = setup({ cache });
    await intake.takeNotice({ ...delta(11, 'ks_b'), changes: [{ id: 'ks_b', switch: { scope: 'nope' } as never }] });
    await new Promise((r) => setTimeout(r, 80));
    expect(slot.current?.version).toBe(11);
    expect(ids(slot.current)).toEqual(['ks_a']);
    expect(reads.cache).toBe(1);
  });
});
