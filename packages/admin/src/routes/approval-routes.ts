/** Release requests waiting for a second person: list, approve, refuse. */
import type { FastifyInstance } from 'fastify';
import { seesClient } from '../identity/identity';
import { approveRelease, listReleaseRequests, refuseRelease } from '../release/release-requests';
import type { AdminContext } from '../server/admin-context';
import { identityOf } from './request-identity';
import { idParam } from './schemas';

const tags = ['approvals'];

export function registerApprovalRoutes(app: FastifyInstance, ctx: AdminContext): void {
  app.get(
    '/approvals',
    {
      schema: {
        tags,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { status: { type: 'string', enum: ['pending', 'approved', 'refused', 'expired'] } },
        },
      },
    },
    async (request) => {
      const identity = identityOf(request);
      await ctx.require(identity, 'read');
      const requests = await listReleaseRequests(ctx, (request.query as { status?: string }).status);
      const visible = [];
      for (const r of requests) {
        const sw = await ctx.service.getById(r.switchId);
        if (seesClient(identity, sw.clientId)) visible.push(r);
      }
      return { approvals: visible };
    },
  );

  app.post('/approvals/:id/approve', { schema: { tags, params: idParam } }, async (request) =>
    approveRelease(ctx, identityOf(request), (request.params as { id: string }).id),
  );

  app.post('/approvals/:id/refuse', { schema: { tags, params: idParam } }, async (request) => ({
    request: await refuseRelease(ctx, identityOf(request), (request.params as { id: string }).id),
  }));
}
