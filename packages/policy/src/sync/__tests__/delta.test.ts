/**
 * A notice patches the snapshot's index (unchanged entries shared with the snapshot before)
 * and gives the same switches, in the same order, as the snapshot the writer built.
 */
import { describe, expect, it } from 'vitest';
import { createSnapshot } from '../../check/snapshot';
import type { SwitchSummary } from '../../types';
import { applyNotice, diffSnapshots } from '../delta';

const halt = (id: string, targetValue: string, reason = 'a reason'): SwitchSummary =>
  Object.freeze({
    id,
    scope: 'platform',
    targetType: 'platform',
    targetValue,
    clientId: null,
    platform: null,
    reason,
    activatedAt: null,
    activatedBy: null,
    expiresAt: null,
    mode: 'halt',
    allowActions: null,
    fraction: null,
    restart: null,
  });

describe('applyNotice', () => {
  it('patches the index: unchanged entries are the same objects, changed ones come after them', () => {
    const base = createSnapshot(1, [halt('ks_a', 'meta'), halt('ks_b', 'tiktok'), halt('ks_c', 'x')], 'db_1');
    const next = createSnapshot(2, [halt('ks_a', 'meta'), halt('ks_c', 'x'), halt('ks_b', 'tiktok', 'new')], 'db_1');
    const patched = applyNotice(base, { version: 2, databaseId: 'db_1', base: 1, changes: diffSnapshots(base, next) });
    expect(patched?.version).toBe(2);
    expect(patched?.index.version).toBe(2);
    expect(patched?.index.switches).toEqual(next.index.switches);
    expect(patched?.index.byId.get('ks_a')).toBe(base.index.byId.get('ks_a'));
    expect(patched?.index.byId.get('ks_c')).toBe(base.index.byId.get('ks_c'));
    expect(patched?.index.byId.get('ks_b')?.summary.reason).toBe('new');
    expect(base.index.byId.get('ks_b')?.summary.reason).toBe('a reason');
  });
});
