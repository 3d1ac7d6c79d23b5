/**
 * The admin API as a Fastify plugin, to mount in an existing app (routes
 * under its prefix, e.g. `/api/v1`): authentication first, then the routes;
 * every error, unknown route and bad body answered as `{ error: { code, message } }`.
 */
import { silentLogger } from '@rtv/audit';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { errorAnswer } from '../errors';
import { authenticate } from '../identity/authenticate';
import { registerApprovalRoutes } from '../routes/approval-routes';
import { registerAuditRoutes } from '../routes/audit-routes';
import { registerEventRoutes } from '../routes/event-routes';
import { registerFleetRoutes } from '../routes/fleet-routes';
import { registerMiscRoutes } from '../routes/misc-routes';
import { registerPolicyRoutes } from '../routes/policy-routes';
import { registerSwitchRoutes } from '../routes/switch-routes';
import { registerTriggerRoutes } from '../routes/trigger-routes';
import { type AdminContext, createAdminContext } from './admin-context';
import type { AdminServerOptions } from './admin-options';
import { startSweeps } from './sweeps';

export interface AdminPluginOptions extends AdminServerOptions {
  /** Where failures the operator did not cause are reported; pino fits. @default silent */
  logger?: import('@rtv/audit').Logger;
}

function installErrorHandling(app: FastifyInstance, ctx: AdminContext): void {
  app.setErrorHandler((error, request, reply) => {
    const answer = errorAnswer(error);
    if (answer.unexpected) {
      ctx.logger.error({ err: error, url: request.url, method: request.method }, 'admin API: unexpected error');
    }
    return reply.code(answer.status).send(answer.body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } }),
  );
}

export const adminPlugin: FastifyPluginAsync<AdminPluginOptions> = async (app, options) => {
  const ctx = createAdminContext(options, options.logger ?? silentLogger);
  installErrorHandling(app, ctx);
  app.decorateRequest('identity', null);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.public) return;
    request.identity = await authenticate(
      ctx.db,
      { authorization: request.headers.authorization, headers: request.headers },
      ctx.now(),
      ctx.options.trustedProxy,
    );
  });
  registerMiscRoutes(app, ctx);
  registerSwitchRoutes(app, ctx);
  registerAuditRoutes(app, ctx);
  registerApprovalRoutes(app, ctx);
  registerTriggerRoutes(app, ctx);
  registerFleetRoutes(app, ctx);
  registerEventRoutes(app, ctx);
  registerPolicyRoutes(app, ctx);
  const sweeps = startSweeps(ctx);
  app.addHook('onClose', async () => sweeps.stop());
};
