import type { KillSwitch } from '@rtv/db';
/**
 * The synchronous and awaited checks give the same answer, and both agree
 * with a brute-force reading of DESIGN's eight-level order, on randomized
 * switch sets and contexts (fast-check). Runs the real service on the
 * memory store through the test kit: no server.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createKillSwitchTestKit } from '../../testing/kill-switch-test-kit';
import type { CheckContext, CreateSwitchInput } from '../../types';

const CLIENTS = ['c1', 'c2', 'c3'];
const PLATFORMS = ['meta', 'tiktok'];
const ACTIONS = ['publish', 'engage'];

/** The level (1..8) at which a switch blocks a context, or 0 when it does not. */
function level(s: KillSwitch, ctx: CheckContext): number {
  const forClient = s.clientId !== null;
  if (forClient && s.clientId !== ctx.clientId) return 0;
  const who = forClient ? 1 : 0;
  if (s.targetType === 'all') return 1 + who;
  if (s.targetType === 'platform') return ctx.platform === s.targetValue ? 3 + who : 0;
  if (s.targetValue !== ctx.action) return 0;
  if (s.platform === null) return 5 + who;
  return ctx.platform === s.platform ? 7 + who : 0;
}

/** The deciding level by brute force over every active, unexpired switch. */
function referenceLevel(active: KillSwitch[], ctx: CheckContext, now: number): number {
  let best = 0;
  for (const s of active) {
    if (s.expiresAt && s.expiresAt.getTime() <= now) continue;
    const l = level(s, ctx);
    if (l > 0 && (best === 0 || l < best)) best = l;
  }
  return best;
}

const switchInput = fc.oneof(
  fc
    .record({ clientId: fc.constantFrom(...CLIENTS) })
    .map((r): Omit<CreateSwitchInput, 'createdBy'> => ({ scope: 'client', targetType: 'all', targetValue: '*', ...r })),
  fc.constant<Omit<CreateSwitchInput, 'createdBy'>>({ scope: 'global', targetType: 'all', targetValue: '*' }),
  fc
    .record({
      value: fc.constantFrom(...PLATFORMS),
      clientId: fc.option(fc.constantFrom(...CLIENTS), { nil: undefined }),
    })
    .map((r) => ({
      scope: 'platform' as const,
      targetType: 'platform' as const,
      targetValue: r.value,
      clientId: r.clientId,
    })),
  fc
    .record({
      value: fc.constantFrom(...ACTIONS),
      platform: fc.option(fc.constantFrom(...PLATFORMS), { nil: undefined }),
      clientId: fc.option(fc.constantFrom(...CLIENTS), { nil: undefined }),
    })
    .map((r) => ({
      scope: 'action' as const,
      targetType: 'action' as const,
      targetValue: r.value,
      platform: r.platform,
      clientId: r.clientId,
    })),
);

const context = fc.record({
  clientId: fc.constantFrom(...CLIENTS, 'c_other'),
  action: fc.constantFrom(...ACTIONS, 'delete'),
  platform: fc.option(fc.constantFrom(...PLATFORMS, 'x'), { nil: undefined }),
});

describe('check() and isTripped() against the brute-force order', () => {
  it('agree with each other and with the reference on random switch sets, expiries and contexts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ input: switchInput, expiresInMs: fc.option(fc.integer({ min: 1, max: 5_000 })) }), {
          maxLength: 12,
        }),
        fc.array(context, { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 0, max: 6_000 }),
        async (switches, contexts, elapsedMs) => {
          const kit = createKillSwitchTestKit();
          try {
            const now = kit.clock.now();
            for (const { input, expiresInMs } of switches) {
              const row = await kit.service.ensure({ ...input, createdBy: 'prop' });
              await kit.service.activate({
                id: row.id,
                reason: 'property test reason',
                activatedBy: 'prop',
                ...(expiresInMs === null ? {} : { expiresAt: new Date(now + expiresInMs) }),
              });
            }
            kit.clock.set(now + elapsedMs);
            const active = await kit.service.list({ activeOnly: false });
            for (const ctx of contexts) {
              const awaited = await kit.service.isTripped(ctx);
              const sync = kit.service.check(ctx);
              expect(sync).toBe(awaited);
              const expected = referenceLevel(
                active.filter((s) => s.isActive),
                ctx,
                kit.clock.now(),
              );
              expect(awaited.tripped).toBe(expected > 0);
              if (expected > 0) {
                const decided = active.find((s) => s.id === awaited.switch?.id);
                expect(decided && level(decided, ctx)).toBe(expected);
              }
            }
          } finally {
            await kit.close();
          }
        },
      ),
      { numRuns: 150 },
    );
  }, 30_000);
});
