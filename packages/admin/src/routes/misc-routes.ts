/** Who am I, health (public: a load balancer probes it), incidents. */
import type { FastifyInstance } from 'fastify';
import { AdminHttpError } from '../errors';
import { seesClient } from '../identity/identity';
import type { AdminContext } from '../server/admin-context';
import { identityOf } from './request-identity';

export function registerMiscRoutes(app: FastifyInstance, ctx: AdminContext): void {
  app.get('/whoami', { schema: { tags: ['identity'] } }, async (request) => ({ identity: identityOf(request) }));

  app.get('/health', { config: { public: true }, schema: { tags: ['health'] } }, async (_request, reply) => {
    const report = await ctx.service.health();
    const components = Object.fromEntries(Object.entries(report.components).map(([k, v]) => [k, v.status]));
    return reply.code(report.status === 'failed' ? 503 : 200).send({ status: report.status, components });
  });

  app.get(
    '/incidents',
    {
      schema: {
        tags: ['incidents'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: ['open', 'acknowledged', 'resolved'] },
            clientId: { type: 'string', minLength: 1, maxLength: 100 },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
          },
        },
      },
    },
    async (request) => {
      const identity = identityOf(request);
      await ctx.require(identity, 'read');
      if (!ctx.incidents) throw new AdminHttpError('NOT_FOUND', 'this server has no incident service');
      const q = request.query as { status?: 'open'; clientId?: string; limit?: number };
      const incidents = await ctx.incidents.listIncidents(q);
      return { incidents: incidents.filter((i) => seesClient(identity, i.clientId)) };
    },
  );
}
