/**
 * With modes, the check still agrees with a brute-force reading: over every active, unexpired
 * matching switch, the most restrictive that blocks decides (halt > reduce > throttle, then the
 * higher level), else the most restrictive that lets through, else CLEAR. Random switch sets,
 * modes and contexts (fast-check) on the real service over the memory store. Throttles here
 * are at 0 or 1 so the reference needs no hash.
 */
import type { KillSwitch, KillSwitchMode } from '@rtv/db';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createKillSwitchTestKit } from '../../testing/kill-switch-test-kit';
import type { CheckContext, CreateSwitchInput } from '../../types';

const CLIENTS = ['c1', 'c2'];
const PLATFORMS = ['meta', 'tiktok'];
const ACTIONS = ['publish', 'delete'];
const RISK_REDUCING = new Set(['delete', 'unpublish', 'cancel']);
const RANK: Record<KillSwitchMode, number> = { halt: 3, reduce: 2, throttle: 1 };

function level(s: KillSwitch, ctx: CheckContext): number {
  if (s.clientId !== null && s.clientId !== ctx.clientId) return 0;
  const who = s.clientId !== null ? 1 : 0;
  if (s.targetType === 'all') return 1 + who;
  if (s.targetType === 'platform') return ctx.platform === s.targetValue ? 3 + who : 0;
  if (s.targetValue !== ctx.action) return 0;
  if (s.platform === null) return 5 + who;
  return ctx.platform === s.platform ? 7 + who : 0;
}

const blocks = (s: KillSwitch, ctx: CheckContext) =>
  s.mode === 'halt' || (s.mode === 'reduce' ? !RISK_REDUCING.has(ctx.action) : s.fraction === 0);

/** The deciding switch by brute force, or undefined when none matches. */
function reference(active: KillSwitch[], ctx: CheckContext): KillSwitch | undefined {
  const matching = active.filter((s) => level(s, ctx) > 0);
  const better = (a: KillSwitch, b: KillSwitch) =>
    RANK[a.mode] !== RANK[b.mode] ? RANK[a.mode] > RANK[b.mode] : level(a, ctx) < level(b, ctx);
  const best = (list: KillSwitch[]) =>
    list.reduce<KillSwitch | undefined>((m, s) => (!m || better(s, m) ? s : m), undefined);
  return best(matching.filter((s) => blocks(s, ctx))) ?? best(matching);
}

const target = fc.oneof(
  fc
    .constantFrom(...CLIENTS)
    .map((clientId) => ({ scope: 'client', targetType: 'all', targetValue: '*', clientId }) as const),
  fc.constant({ scope: 'global', targetType: 'all', targetValue: '*' } as const),
  fc
    .record({
      value: fc.constantFrom(...PLATFORMS),
      clientId: fc.option(fc.constantFrom(...CLIENTS), { nil: undefined }),
    })
    .map((r) => ({ scope: 'platform', targetType: 'platform', targetValue: r.value, clientId: r.clientId }) as const),
  fc
    .record({
      value: fc.constantFrom(...ACTIONS),
      platform: fc.option(fc.constantFrom(...PLATFORMS), { nil: undefined }),
      clientId: fc.option(fc.constantFrom(...CLIENTS), { nil: undefined }),
    })
    .map(
      (r) =>
        ({
          scope: 'action',
          targetType: 'action',
          targetValue: r.value,
          platform: r.platform,
          clientId: r.clientId,
        }) as const,
    ),
);

const mode = fc.oneof(
  fc.constant({ mode: 'halt' as const }),
  fc.constant({ mode: 'reduce' as const }),
  fc.constantFrom(0, 1).map((fraction) => ({ mode: 'throttle' as const, fraction })),
);

const context = fc.record({
  clientId: fc.constantFrom(...CLIENTS, 'c_other'),
  action: fc.constantFrom(...ACTIONS, 'engage'),
  platform: fc.option(fc.constantFrom(...PLATFORMS, 'x'), { nil: undefined }),
});

describe('modes against the brute-force reading', () => {
  it('the most restrictive match decides, and check() and isTripped() agree', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ target, mode }), { maxLength: 10 }),
        fc.array(context, { minLength: 1, maxLength: 20 }),
        async (switches, contexts) => {
          const kit = createKillSwitchTestKit();
          try {
            for (const { target: input, mode: how } of switches) {
              const row = await kit.service.ensure({
                ...(input as Omit<CreateSwitchInput, 'createdBy'>),
                createdBy: 'prop',
              });
              await kit.service.activate({ id: row.id, reason: 'property test reason', activatedBy: 'prop', ...how });
            }
            const active = (await kit.service.list()).filter((s) => s.isActive);
            for (const ctx of contexts) {
              const awaited = await kit.service.isTripped(ctx);
              expect(kit.service.check(ctx)).toBe(awaited);
              const expected = reference(active, ctx);
              expect(awaited.switch?.id ?? null).toBe(expected?.id ?? null);
              expect(awaited.tripped).toBe(expected ? blocks(expected, ctx) : false);
              expect(awaited.mode).toBe(expected?.mode ?? null);
              expect(awaited.level).toBe(expected ? level(expected, ctx) : null);
            }
          } finally {
            await kit.close();
          }
        },
      ),
      { numRuns: 100 },
    );
  }, 30_000);
});
