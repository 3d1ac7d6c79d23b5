import { describe, expect, it } from 'vitest';
import type { SwitchSummary } from '../../types';
import { buildSwitchIndex, findBlockingSwitch } from '../switch-index';

let n = 0;
function sw(
  fields: Partial<SwitchSummary> & Pick<SwitchSummary, 'scope' | 'targetType' | 'targetValue'>,
): SwitchSummary {
  return {
    id: `ks_${++n}`,
    clientId: null,
    platform: null,
    reason: `reason ${n}`,
    activatedAt: new Date(0),
    activatedBy: 'tester',
    expiresAt: null,
    mode: 'halt',
    allowActions: null,
    fraction: null,
    restart: null,
    ...fields,
  };
}

// The eight levels of DESIGN.md, highest priority first.
const levels = [
  sw({ id: 'l1_global_all', scope: 'global', targetType: 'all', targetValue: '*' }),
  sw({ id: 'l2_client_all', scope: 'client', clientId: 'c1', targetType: 'all', targetValue: '*' }),
  sw({ id: 'l3_global_platform', scope: 'platform', targetType: 'platform', targetValue: 'meta' }),
  sw({ id: 'l4_client_platform', scope: 'platform', clientId: 'c1', targetType: 'platform', targetValue: 'meta' }),
  sw({ id: 'l5_global_action', scope: 'action', targetType: 'action', targetValue: 'publish' }),
  sw({ id: 'l6_client_action', scope: 'action', clientId: 'c1', targetType: 'action', targetValue: 'publish' }),
  sw({
    id: 'l7_global_action_platform',
    scope: 'action',
    targetType: 'action',
    targetValue: 'publish',
    platform: 'meta',
  }),
  sw({
    id: 'l8_client_action_platform',
    scope: 'action',
    clientId: 'c1',
    targetType: 'action',
    targetValue: 'publish',
    platform: 'meta',
  }),
];

describe('findBlockingSwitch', () => {
  it('finds nothing in an empty index', () => {
    expect(findBlockingSwitch(buildSwitchIndex([]), 'c1', 'publish', 'meta', 0)).toBeUndefined();
  });

  it('reports the highest-priority match, level by level', () => {
    // Remove levels from the top one at a time: the next one must be reported.
    for (let top = 0; top < levels.length; top++) {
      const index = buildSwitchIndex(levels.slice(top));
      expect(findBlockingSwitch(index, 'c1', 'publish', 'meta', 0)?.summary.id).toBe(levels[top]?.id);
    }
  });

  it('reports each level alone, whatever order they were loaded in', () => {
    for (const level of levels) {
      const index = buildSwitchIndex([level]);
      expect(findBlockingSwitch(index, 'c1', 'publish', 'meta', 0)?.summary.id).toBe(level.id);
    }
    const reversed = buildSwitchIndex([...levels].reverse());
    expect(findBlockingSwitch(reversed, 'c1', 'publish', 'meta', 0)?.summary.id).toBe('l1_global_all');
  });

  it("never lets one client's switch block another client", () => {
    const clientOnly = levels.filter((l) => l.clientId === 'c1');
    const index = buildSwitchIndex(clientOnly);
    expect(findBlockingSwitch(index, 'c2', 'publish', 'meta', 0)).toBeUndefined();
    expect(findBlockingSwitch(index, 'c1', 'publish', 'meta', 0)).toBeDefined();
  });

  it('matches platform switches only when the check names the platform', () => {
    const index = buildSwitchIndex([levels[2] as SwitchSummary, levels[6] as SwitchSummary]);
    expect(findBlockingSwitch(index, 'c1', 'publish', undefined, 0)).toBeUndefined();
    expect(findBlockingSwitch(index, 'c1', 'publish', 'tiktok', 0)).toBeUndefined();
    expect(findBlockingSwitch(index, 'c1', 'engage', 'meta', 0)?.summary.id).toBe('l3_global_platform');
  });

  it('narrowed action switches block only on their platform', () => {
    const index = buildSwitchIndex([levels[6] as SwitchSummary]);
    expect(findBlockingSwitch(index, 'c9', 'publish', 'meta', 0)?.summary.id).toBe('l7_global_action_platform');
    expect(findBlockingSwitch(index, 'c9', 'publish', 'tiktok', 0)).toBeUndefined();
    expect(findBlockingSwitch(index, 'c9', 'engage', 'meta', 0)).toBeUndefined();
  });

  it('stops blocking at the expiry instant', () => {
    const expiring = sw({ scope: 'global', targetType: 'all', targetValue: '*', expiresAt: new Date(1000) });
    const index = buildSwitchIndex([expiring]);
    expect(index.hasExpiring).toBe(true);
    expect(findBlockingSwitch(index, 'c1', 'publish', undefined, 999)).toBeDefined();
    expect(findBlockingSwitch(index, 'c1', 'publish', undefined, 1000)).toBeUndefined();
  });

  it('falls through an expired higher level to a live lower one', () => {
    const expired = sw({ scope: 'global', targetType: 'all', targetValue: '*', expiresAt: new Date(10) });
    const index = buildSwitchIndex([expired, levels[4] as SwitchSummary]);
    expect(findBlockingSwitch(index, 'c1', 'publish', undefined, 20)?.summary.id).toBe('l5_global_action');
  });

  it('keeps the longer-lasting of two switches sharing a slot', () => {
    const shortLived = sw({ scope: 'global', targetType: 'platform', targetValue: 'x', expiresAt: new Date(10) });
    const permanent = sw({ scope: 'platform', targetType: 'platform', targetValue: 'x' });
    for (const order of [
      [shortLived, permanent],
      [permanent, shortLived],
    ]) {
      const index = buildSwitchIndex(order);
      expect(findBlockingSwitch(index, 'c', 'a', 'x', 50)?.summary.id).toBe(permanent.id);
    }
  });

  it('counts active switches by scope', () => {
    expect(buildSwitchIndex(levels).activeByScope).toEqual({ global: 1, client: 1, platform: 2, action: 4 });
  });
});
