/**
 * The fleet as the console (and any tool) sees it: every instance with its
 * version, apply lag, snapshot and heartbeat age, health and state; and the
 * receipt of a switch's latest change, read back from the audit trail.
 */
import { queryAudit } from '@rtv/audit';
import { FLEET_AUDIT_TYPES } from '@rtv/policy';
import type { FastifyInstance } from 'fastify';
import { seesClient } from '../identity/identity';
import type { AdminContext } from '../server/admin-context';
import { identityOf } from './request-identity';
import { idParam } from './schemas';

export function registerFleetRoutes(app: FastifyInstance, ctx: AdminContext): void {
  app.get('/fleet', { schema: { tags: ['fleet'] } }, async (request) => {
    await ctx.require(identityOf(request), 'read');
    const now = ctx.now().getTime();
    const instances = await ctx.service.fleet.instances();
    const summary = { current: 0, behind: 0, lost: 0 };
    for (const instance of instances) summary[instance.state] += 1;
    return {
      at: new Date(now).toISOString(),
      summary,
      // Behind and lost first (the service's order): what the operator must look at.
      instances: instances.map((i) => ({ ...i, heartbeatAgeMs: Math.max(0, now - i.heartbeatAt) })),
    };
  });

  app.get('/switches/:id/receipt', { schema: { tags: ['fleet', 'switches'], params: idParam } }, async (request) => {
    const identity = identityOf(request);
    await ctx.require(identity, 'read');
    const sw = await ctx.service.getById((request.params as { id: string }).id);
    if (!seesClient(identity, sw.clientId)) await ctx.deny(identity, 'read', 'not a switch of its clients', sw.id);
    const page = await queryAudit(ctx.db, { target: sw.id, type: FLEET_AUDIT_TYPES.receipt, limit: 1 });
    const [latest] = page.records;
    return {
      receipt: latest ? { seq: latest.seq, occurredAt: latest.occurredAt.toISOString(), ...latest.metadata } : null,
    };
  });
}
