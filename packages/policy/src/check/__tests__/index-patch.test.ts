/**
 * A patched index answers every check exactly as an index built from scratch at the same
 * version (every `CheckResult` field, the version included), its structure is the one a build
 * gives, and the index before the patch still answers as it did. Random sequences of changes
 * (fast-check) on a few ids and coordinates, so switches often share a slot; checks go through
 * the real checker over a stub sync.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CheckContext, CheckResult, SwitchSummary } from '../../types';
import { createChecker } from '../checker';
import { decisionsAt } from '../entry-decisions';
import { patchSwitchIndex } from '../index-patch';
import type { Snapshot } from '../snapshot';
import { type CoordinateIndex, type SwitchIndex, buildSwitchIndex } from '../switch-index';

const NOW = 1_000_000;
const IDS = ['ks_0', 'ks_1', 'ks_2', 'ks_3', 'ks_4', 'ks_5'];
const CLIENTS = ['c1', 'c2'];
const PLATFORMS = ['meta', 'tiktok'];
const ACTIONS = ['publish', 'delete'];

type Target = Pick<SwitchSummary, 'scope' | 'targetType' | 'targetValue' | 'clientId' | 'platform'>;

const who = fc.constantFrom<string | null>(null, ...CLIENTS);
const target: fc.Arbitrary<Target> = fc.oneof(
  who.map(
    (clientId): Target => ({
      scope: clientId === null ? 'global' : 'client',
      targetType: 'all',
      targetValue: '*',
      clientId,
      platform: null,
    }),
  ),
  fc.tuple(who, fc.constantFrom(...PLATFORMS)).map(
    ([clientId, value]): Target => ({
      scope: 'platform',
      targetType: 'platform',
      targetValue: value,
      clientId,
      platform: null,
    }),
  ),
  fc.tuple(who, fc.constantFrom(...ACTIONS), fc.constantFrom<string | null>(null, ...PLATFORMS)).map(
    ([clientId, value, platform]): Target => ({
      scope: 'action',
      targetType: 'action',
      targetValue: value,
      clientId,
      platform,
    }),
  ),
);

const restart = { steps: Object.freeze([0, 0.5, 1]), everyMs: 400, startedAt: new Date(NOW - 100) };
const mode = fc.oneof(
  fc.constant({ mode: 'halt' as const, allowActions: null, fraction: null, restart: null }),
  fc.constantFrom(null, Object.freeze(['delete'])).map((allowActions) => ({
    mode: 'reduce' as const,
    allowActions,
    fraction: null,
    restart: null,
  })),
  fc
    .constantFrom(0, 0.5, 1)
    .map((fraction) => ({ mode: 'throttle' as const, allowActions: null, fraction, restart: null })),
  fc.constant({ mode: 'throttle' as const, allowActions: null, fraction: null, restart }),
);

const summaryOf = (id: string): fc.Arbitrary<SwitchSummary> =>
  fc
    .record({
      target,
      mode,
      expiresIn: fc.constantFrom(null, -10, 500, 2_000),
      reason: fc.constantFrom('first reason', 'second reason'),
    })
    .map(({ target: t, mode: m, expiresIn, reason }) =>
      Object.freeze({
        id,
        ...t,
        ...m,
        reason,
        activatedAt: new Date(0),
        activatedBy: 'prop',
        expiresAt: expiresIn === null ? null : new Date(NOW + expiresIn),
      }),
    );

const change = fc.constantFrom(...IDS).chain((id) => fc.tuple(fc.constant(id), fc.option(summaryOf(id), { freq: 3 })));
const step = fc.array(change, { minLength: 1, maxLength: 4 }).map((pairs) => new Map(pairs));

const contexts: CheckContext[] = [];
for (const clientId of [...CLIENTS, 'c_other'])
  for (const action of [...ACTIONS, 'engage'])
    for (const platform of [...PLATFORMS, undefined])
      for (const key of ['k1', 'k2']) contexts.push({ clientId, action, platform, key });

/** Checks through the real checker, reading whatever index it is given, at `at`. */
function checkerOver() {
  let current: Snapshot | undefined;
  let now = NOW;
  // The checker reads `sync.current` on every check: a getter points it at the index under test.
  const sync = {
    stale: false,
    confirmedAt: 0,
    ready: Promise.resolve(),
    get current() {
      return current;
    },
  };
  const checker = createChecker({
    sync,
    clock: { now: () => now, setTimer: () => () => {} },
    failOpen: false,
    maxStalenessMs: 1e12,
    startupTimeoutMs: 0,
    timeEachCheck: false,
    riskReducingActions: ['delete'],
  });
  return (index: SwitchIndex, at: number): CheckResult[] => {
    current = { version: index.version, databaseId: 'db', index };
    now = at;
    return contexts.map((ctx) => checker.check(ctx));
  };
}

const ids = (entry: { summary: SwitchSummary } | undefined) => entry?.summary.id;
const mapIds = (map: ReadonlyMap<string, { summary: SwitchSummary }>) =>
  Object.fromEntries([...map].map(([k, v]) => [k, ids(v)]));
const coordinateShape = (c: CoordinateIndex) => ({
  all: ids(c.all),
  platform: mapIds(c.platform),
  action: mapIds(c.action),
  actionPlatform: Object.fromEntries([...c.actionPlatform].map(([k, v]) => [k, mapIds(v)])),
});
/** Everything an index holds, by switch id, with map keys sorted out by `toEqual`. */
const shape = (index: SwitchIndex) => ({
  version: index.version,
  global: coordinateShape(index.global),
  byClient: Object.fromEntries([...index.byClient].map(([k, v]) => [k, coordinateShape(v)])),
  size: index.size,
  hasExpiring: index.hasExpiring,
  hasModes: index.hasModes,
  activeByScope: index.activeByScope,
  switches: index.switches.map((s) => s.id),
  byId: [...index.byId.keys()],
  contenders: Object.fromEntries([...index.contenders].map(([k, v]) => [k, v.map((e) => e.summary.id)])),
  clear: index.clear.result,
});

describe('patchSwitchIndex', () => {
  it('answers every check as a build from scratch at that version, and leaves the index before as it was', () => {
    fc.assert(
      fc.property(step, fc.array(step, { minLength: 1, maxLength: 6 }), (seed, steps) => {
        const check = checkerOver();
        const model = new Map<string, SwitchSummary>();
        for (const s of seed.values()) if (s !== null) model.set(s.id, s);
        let index = buildSwitchIndex([...model.values()], 1);
        for (const changed of steps) {
          const version = index.version + 1;
          for (const id of changed.keys()) model.delete(id);
          for (const s of changed.values()) if (s !== null) model.set(s.id, s);
          const shapeBefore = shape(index);
          const answersBefore = [NOW, NOW + 1_000].map((at) => check(index, at));
          const patched = patchSwitchIndex(index, version, changed);
          const built = buildSwitchIndex([...model.values()], version);
          expect(shape(patched)).toEqual(shape(built));
          for (const at of [NOW, NOW + 1_000]) expect(check(patched, at)).toEqual(check(built, at));
          expect(shape(index)).toEqual(shapeBefore);
          expect([NOW, NOW + 1_000].map((at) => check(index, at))).toEqual(answersBefore);
          index = patched;
        }
      }),
      { numRuns: 300 },
    );
  });
});

const halt = (id: string, t: Partial<SwitchSummary> = {}): SwitchSummary =>
  Object.freeze({
    id,
    scope: 'platform',
    targetType: 'platform',
    targetValue: 'meta',
    clientId: null,
    platform: null,
    reason: `reason of ${id}`,
    activatedAt: null,
    activatedBy: null,
    expiresAt: null,
    mode: 'halt',
    allowActions: null,
    fraction: null,
    restart: null,
    ...t,
  });

describe('what a patch keeps and what it copies', () => {
  const a = halt('ks_a', { clientId: 'c1', scope: 'platform' });
  const b = halt('ks_b', { targetType: 'action', targetValue: 'publish', scope: 'action', platform: 'tiktok' });
  const c = halt('ks_c', { clientId: 'c2', targetType: 'all', targetValue: '*', scope: 'client' });

  it('shares every unchanged entry and every map off the changed path', () => {
    const before = buildSwitchIndex([a, b, c], 1);
    const after = patchSwitchIndex(before, 2, new Map([['ks_a', { ...a, reason: 'changed' }]]));
    expect(after.byId.get('ks_b')).toBe(before.byId.get('ks_b'));
    expect(after.byId.get('ks_c')).toBe(before.byId.get('ks_c'));
    expect(after.byId.get('ks_a')).not.toBe(before.byId.get('ks_a'));
    expect(after.global).toBe(before.global);
    expect(after.byClient.get('c2')).toBe(before.byClient.get('c2'));
    expect(after.byClient.get('c1')).not.toBe(before.byClient.get('c1'));
    expect(before.byClient.get('c1')?.platform.get('meta')?.summary.reason).toBe('reason of ks_a');
  });

  it('builds a shared entry’s answers once per version, then hands out the same frozen object', () => {
    const before = buildSwitchIndex([a, b], 1);
    const after = patchSwitchIndex(before, 2, new Map([['ks_a', null]]));
    const entry = after.byId.get('ks_b');
    if (!entry) throw new Error('ks_b is missing');
    const first = decisionsAt(entry, after.version);
    expect(first.result.version).toBe(2);
    expect(decisionsAt(entry, after.version)).toBe(first);
    expect(Object.isFrozen(first.result)).toBe(true);
  });

  it('brings back the switch a removed one hid in their shared slot', () => {
    const longer = halt('ks_long', { expiresAt: null });
    const shorter = halt('ks_short', { expiresAt: new Date(NOW + 10), scope: 'global' });
    const index = buildSwitchIndex([shorter, longer], 1);
    expect(index.global.platform.get('meta')?.summary.id).toBe('ks_long');
    const patched = patchSwitchIndex(index, 2, new Map([['ks_long', null]]));
    expect(patched.global.platform.get('meta')?.summary.id).toBe('ks_short');
    expect(patched.contenders.size).toBe(0);
    expect(index.global.platform.get('meta')?.summary.id).toBe('ks_long');
  });
});
