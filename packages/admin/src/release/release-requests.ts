/**
 * The two-person rule. Tripping is one call; releasing a switch the policy
 * guards creates a request that a second, different identity with the
 * release right must approve before the switch is turned off. Requests lapse.
 */
import { type KillSwitch, type ReleaseRequestRow, releaseRequests } from '@rtv/db';
import { ConflictError, NotFoundError } from '@rtv/policy';
import { and, desc, eq, lte } from 'drizzle-orm';
import type { Identity } from '../identity/identity';
import { newId } from '../identity/tokens';
import type { AdminContext } from '../server/admin-context';
import { ADMIN_AUDIT_TYPES } from '../server/audit-types';
import { type ReleaseReason, describeReason } from './reason';

/** Whether releasing this switch needs a second person under the configured policy. */
export const needsSecondPerson = (ctx: AdminContext, sw: Pick<KillSwitch, 'id' | 'scope'>): boolean =>
  ctx.settings.twoPersonScopes.has(sw.scope) || ctx.settings.twoPersonSwitches.has(sw.id);

export async function requestRelease(
  ctx: AdminContext,
  identity: Identity,
  sw: KillSwitch,
  reason: ReleaseReason,
): Promise<ReleaseRequestRow> {
  const now = ctx.now();
  // The request and its record commit together: no request goes unannounced.
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(releaseRequests)
      .values({
        id: newId('rel'),
        switchId: sw.id,
        requestedBy: identity.actor,
        reasonCode: reason.reasonCode,
        reason: reason.reason,
        status: 'pending',
        createdAt: now,
        expiresAt: new Date(now.getTime() + ctx.settings.requestTtlMs),
      })
      .returning();
    if (!row) throw new Error('release request insert returned no row');
    await ctx.audit.emit(
      {
        type: ADMIN_AUDIT_TYPES.releaseRequested,
        actor: identity.actor,
        target: sw.id,
        clientId: sw.clientId,
        metadata: { requestId: row.id, ...reason, expiresAt: row.expiresAt.toISOString() },
      },
      { tx },
    );
    return row;
  });
}

export async function listReleaseRequests(ctx: AdminContext, status?: string): Promise<ReleaseRequestRow[]> {
  await expireLapsedRequests(ctx);
  const where = status ? eq(releaseRequests.status, status as ReleaseRequestRow['status']) : undefined;
  return ctx.db.select().from(releaseRequests).where(where).orderBy(desc(releaseRequests.createdAt)).limit(200);
}

async function pendingRequest(ctx: AdminContext, id: string): Promise<ReleaseRequestRow> {
  await expireLapsedRequests(ctx);
  const [row] = await ctx.db.select().from(releaseRequests).where(eq(releaseRequests.id, id));
  if (!row) throw new NotFoundError(`Release request not found: ${id}`, id);
  if (row.status !== 'pending') throw new ConflictError(`Release request ${id} is already ${row.status}`);
  return row;
}

/** Marks the request decided only if it is still pending: two approvers racing get one winner. */
async function decide(ctx: AdminContext, row: ReleaseRequestRow, identity: Identity, status: 'approved' | 'refused') {
  const updated = await ctx.db
    .update(releaseRequests)
    .set({ status, decidedBy: identity.actor, decidedAt: ctx.now() })
    .where(and(eq(releaseRequests.id, row.id), eq(releaseRequests.status, 'pending')))
    .returning();
  if (updated.length === 0) throw new ConflictError(`Release request ${row.id} was decided by someone else`);
  return updated[0] as ReleaseRequestRow;
}

/** Approves and releases the switch as the approver; refuses self-approval and identities without the right. */
export async function approveRelease(ctx: AdminContext, identity: Identity, id: string) {
  const row = await pendingRequest(ctx, id);
  const sw = await ctx.service.getById(row.switchId);
  await ctx.require(identity, 'release', sw);
  if (row.requestedBy === identity.actor) {
    await ctx.deny(identity, 'approve', 'a release needs a second person: the requester may not approve', sw.id);
  }
  const decided = await decide(ctx, row, identity, 'approved');
  try {
    const result = await ctx.service.deactivate({
      id: sw.id,
      reason: describeReason(row),
      deactivatedBy: identity.actor,
      metadata: { releaseRequestId: row.id, requestedBy: row.requestedBy, approvedBy: identity.actor },
    });
    await ctx.audit.emit({
      type: ADMIN_AUDIT_TYPES.releaseApproved,
      actor: identity.actor,
      target: sw.id,
      clientId: sw.clientId,
      metadata: { requestId: row.id, requestedBy: row.requestedBy },
    });
    await ctx.checkpoints?.seal();
    return { request: decided, switch: result.switch, changed: result.changed };
  } catch (error) {
    // The release did not happen: the request may be approved again.
    await ctx.db
      .update(releaseRequests)
      .set({ status: 'pending', decidedBy: null, decidedAt: null })
      .where(eq(releaseRequests.id, row.id));
    throw error;
  }
}

export async function refuseRelease(ctx: AdminContext, identity: Identity, id: string) {
  const row = await pendingRequest(ctx, id);
  const sw = await ctx.service.getById(row.switchId);
  await ctx.require(identity, 'release', sw);
  const decided = await decide(ctx, row, identity, 'refused');
  await ctx.audit.emit({
    type: ADMIN_AUDIT_TYPES.releaseRefused,
    actor: identity.actor,
    target: sw.id,
    clientId: sw.clientId,
    metadata: { requestId: row.id, requestedBy: row.requestedBy },
  });
  return decided;
}

/** Pending requests past their expiry become `expired` (and are audited), so none can be approved late. */
export async function expireLapsedRequests(ctx: AdminContext): Promise<number> {
  const lapsed = await ctx.db
    .update(releaseRequests)
    .set({ status: 'expired' })
    .where(and(eq(releaseRequests.status, 'pending'), lte(releaseRequests.expiresAt, ctx.now())))
    .returning();
  for (const row of lapsed) {
    await ctx.audit.emit({
      type: ADMIN_AUDIT_TYPES.releaseExpired,
      actor: 'system:release-expiry',
      target: row.switchId,
      metadata: { requestId: row.id, requestedBy: row.requestedBy },
    });
  }
  return lapsed.length;
}
