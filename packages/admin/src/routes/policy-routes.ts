/** `GET /policy`: what a client must know to ask correctly (reason codes, two-person scopes, limits). */
import type { FastifyInstance } from 'fastify';
import type { AdminContext } from '../server/admin-context';
import { identityOf } from './request-identity';

export function registerPolicyRoutes(app: FastifyInstance, ctx: AdminContext): void {
  app.get('/policy', { schema: { tags: ['identity'] } }, async (request) => {
    await ctx.require(identityOf(request), 'read');
    const { settings } = ctx;
    return {
      reasonCodes: settings.reasonCodes,
      twoPersonScopes: [...settings.twoPersonScopes],
      twoPersonSwitches: [...settings.twoPersonSwitches],
      requestTtlMs: settings.requestTtlMs,
      maxBypassMs: settings.maxBypassMs,
    };
  });
}
