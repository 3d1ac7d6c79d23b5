/**
 * A signed delivery to a trigger: checked (known, not revoked, fresh, signed,
 * not seen before, within its rate), then it trips the switch as the
 * trigger's identity with the payload's summary as reason metadata. Every
 * refusal is audited before the sender hears 401/409/429.
 */
import { adminTriggers, triggerNonces } from '@rtv/db';
import { and, eq, lt } from 'drizzle-orm';
import { type AdminErrorCode, AdminHttpError } from '../errors';
import type { AdminContext } from '../server/admin-context';
import { ADMIN_AUDIT_TYPES } from '../server/audit-types';
import type { RateLimiter } from './rate-limiter';
import { signatureMatches } from './signature';
import { triggerActor } from './triggers';

export interface TriggerDelivery {
  triggerId: string;
  rawBody: string;
  timestamp: string | undefined;
  signature: string | undefined;
}

async function refuse(
  ctx: AdminContext,
  delivery: TriggerDelivery,
  code: AdminErrorCode,
  why: string,
  audited = true,
): Promise<never> {
  if (audited)
    await ctx.audit.emit({
      type: ADMIN_AUDIT_TYPES.triggerRefused,
      actor: 'system:trigger-gate',
      target: delivery.triggerId.slice(0, 36),
      metadata: { why },
    });
  throw new AdminHttpError(code, `trigger delivery refused: ${why}`);
}

/** A short summary of the payload for the record: its `summary` (or `title`) field, bounded. */
function summaryOf(rawBody: string): string | undefined {
  try {
    const body = JSON.parse(rawBody) as Record<string, unknown>;
    const text = body?.summary ?? body?.title;
    return typeof text === 'string' ? text.slice(0, 500) : undefined;
  } catch {
    return undefined;
  }
}

export async function fireTrigger(ctx: AdminContext, limiter: RateLimiter, delivery: TriggerDelivery) {
  const nowMs = ctx.clock.now();
  const [trigger] = await ctx.db.select().from(adminTriggers).where(eq(adminTriggers.id, delivery.triggerId));
  if (!trigger || trigger.revokedAt !== null)
    return refuse(ctx, delivery, 'UNAUTHORIZED', 'unknown or revoked trigger');
  if (!limiter.take(trigger.id, nowMs)) return refuse(ctx, delivery, 'RATE_LIMITED', 'rate limit exceeded');
  const seconds = /^[0-9]{1,12}$/.test(delivery.timestamp ?? '') ? Number(delivery.timestamp) : Number.NaN;
  if (!Number.isFinite(seconds)) return refuse(ctx, delivery, 'UNAUTHORIZED', 'missing or malformed timestamp');
  if (Math.abs(nowMs - seconds * 1000) > ctx.settings.replayWindowMs) {
    return refuse(ctx, delivery, 'UNAUTHORIZED', 'timestamp outside the replay window');
  }
  const signature = delivery.signature ?? '';
  if (!signatureMatches(trigger.secret, seconds, delivery.rawBody, signature)) {
    return refuse(ctx, delivery, 'UNAUTHORIZED', 'bad signature');
  }
  await ctx.db
    .delete(triggerNonces)
    .where(
      and(
        eq(triggerNonces.triggerId, trigger.id),
        lt(triggerNonces.seenAt, new Date(nowMs - 2 * ctx.settings.replayWindowMs)),
      ),
    );
  const remembered = await ctx.db
    .insert(triggerNonces)
    .values({ triggerId: trigger.id, nonce: signature.slice(0, 128), seenAt: new Date(nowMs) })
    .onConflictDoNothing()
    .returning();
  if (remembered.length === 0) return refuse(ctx, delivery, 'CONFLICT', 'replayed delivery');
  const summary = summaryOf(delivery.rawBody);
  const result = await ctx.service.activate({
    id: trigger.switchId,
    reason: `Trigger ${trigger.name} fired${summary ? `: ${summary}` : ''}`,
    activatedBy: triggerActor(trigger.name),
    metadata: { triggerId: trigger.id, ...(summary === undefined ? {} : { summary }) },
  });
  return { switch: result.switch, changed: result.changed, trigger: trigger.name };
}
