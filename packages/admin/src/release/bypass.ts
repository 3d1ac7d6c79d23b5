/**
 * Break-glass: an identity with that right releases alone, with a reason and
 * a bounded bypass. The bypass is recorded and notified; when it ends the
 * switch holds again (re-activated by `system:bypass-expiry`).
 */
import { type KillSwitch, type SwitchBypassRow, switchBypasses } from '@rtv/db';
import { ValidationError } from '@rtv/policy';
import { and, eq, isNull, lte } from 'drizzle-orm';
import type { Identity } from '../identity/identity';
import { newId } from '../identity/tokens';
import type { AdminContext } from '../server/admin-context';
import { ADMIN_AUDIT_TYPES } from '../server/audit-types';
import { type ReleaseReason, describeReason } from './reason';

export const BYPASS_EXPIRY_ACTOR = 'system:bypass-expiry';

export async function bypassSwitch(
  ctx: AdminContext,
  identity: Identity,
  sw: KillSwitch,
  reason: ReleaseReason,
  durationMs: number,
): Promise<{ bypass: SwitchBypassRow; switch: KillSwitch }> {
  await ctx.require(identity, 'release', sw);
  if (!identity.breakGlass) await ctx.deny(identity, 'bypass', 'the identity has no break-glass right', sw.id);
  if (!Number.isSafeInteger(durationMs) || durationMs < 1000 || durationMs > ctx.settings.maxBypassMs) {
    throw new ValidationError(`durationMs must be between 1000 and ${ctx.settings.maxBypassMs}`, [
      { field: 'durationMs', message: 'out of range' },
    ]);
  }
  const now = ctx.now();
  const bypass: SwitchBypassRow = {
    id: newId('byp'),
    switchId: sw.id,
    actor: identity.actor,
    ...reason,
    createdAt: now,
    expiresAt: new Date(now.getTime() + durationMs),
    endedAt: null,
  };
  const result = await ctx.service.deactivate({
    id: sw.id,
    reason: `Break-glass bypass: ${describeReason(reason)}`,
    deactivatedBy: identity.actor,
    metadata: { bypassId: bypass.id, bypassExpiresAt: bypass.expiresAt.toISOString() },
  });
  await ctx.db.insert(switchBypasses).values(bypass);
  await ctx.audit.emit({
    type: ADMIN_AUDIT_TYPES.bypassed,
    actor: identity.actor,
    target: sw.id,
    clientId: sw.clientId,
    metadata: { bypassId: bypass.id, ...reason, expiresAt: bypass.expiresAt.toISOString() },
  });
  await ctx.checkpoints?.seal();
  return { bypass, switch: result.switch };
}

/** Ends the bypasses whose time is up: each switch holds again. Returns how many ended. */
export async function endExpiredBypasses(ctx: AdminContext): Promise<number> {
  const due = await ctx.db
    .select()
    .from(switchBypasses)
    .where(and(isNull(switchBypasses.endedAt), lte(switchBypasses.expiresAt, ctx.now())));
  for (const bypass of due) {
    const claimed = await ctx.db
      .update(switchBypasses)
      .set({ endedAt: ctx.now() })
      .where(and(eq(switchBypasses.id, bypass.id), isNull(switchBypasses.endedAt)))
      .returning();
    if (claimed.length === 0) continue;
    await ctx.service.activate({
      id: bypass.switchId,
      reason: `Break-glass bypass ${bypass.id} by ${bypass.actor} ended: the switch holds again`,
      activatedBy: BYPASS_EXPIRY_ACTOR,
      metadata: { bypassId: bypass.id },
    });
    await ctx.audit.emit({
      type: ADMIN_AUDIT_TYPES.bypassEnded,
      actor: BYPASS_EXPIRY_ACTOR,
      target: bypass.switchId,
      metadata: { bypassId: bypass.id, bypassedBy: bypass.actor },
    });
  }
  return due.length;
}
