/**
 * The judged scenario's data: the shape the issue asks for, and a floor that answers every context as the
 * brute-force reference does (so the floor is a floor for the same question, not an easier one).
 */
import { describe, expect, it } from 'vitest';
import { createCheckFloor } from '../scenarios/check-floor';
import { FULL_SHAPE, blocks, generateSnapshot } from '../scenarios/realistic-snapshot';

describe('the realistic snapshot', () => {
  const snapshot = generateSnapshot(FULL_SHAPE);

  it('has 1,000 distinct active switches over levels 2..8, 8,192 contexts, a quarter blocked', () => {
    expect(snapshot.targets).toHaveLength(1_000);
    expect(new Set(snapshot.targets.map((t) => JSON.stringify(t))).size).toBe(1_000);
    expect(snapshot.perLevel[1]).toBe(0);
    for (let level = 2; level <= 8; level++) expect(snapshot.perLevel[level]).toBeGreaterThan(0);
    expect(snapshot.contexts).toHaveLength(8_192);
    expect(snapshot.tripped).toBe(2_048);
    expect(new Set(snapshot.contexts.map((c) => c.clientId)).size).toBeGreaterThan(4_000);
  });

  it('records, for every context, whether some switch blocks it', () => {
    snapshot.contexts.forEach((ctx, i) => {
      expect(snapshot.targets.some((t) => blocks(t, ctx))).toBe(snapshot.expected[i]);
    });
  });

  it('has a floor that gives the reference answer, at the first matching level, on every context', () => {
    const floor = createCheckFloor(snapshot.targets);
    for (const ctx of snapshot.contexts) {
      const levels = snapshot.targets
        .filter((t) => blocks(t, ctx))
        .map((t) => {
          const client = t.clientId === null ? 0 : 1;
          if (t.targetType === 'all') return 1 + client;
          if (t.targetType === 'platform') return 3 + client;
          return (t.platform === null ? 5 : 7) + client;
        });
      const answer = floor(ctx);
      expect(answer.tripped).toBe(levels.length > 0);
      expect(answer.level).toBe(levels.length > 0 ? Math.min(...levels) : 0);
    }
  });
});
