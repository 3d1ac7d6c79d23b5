/**
 * A ready Fastify app serving the admin API under `/api/v1` and its OpenAPI
 * document at `/openapi.json` (generated from the routes' schemas), and the
 * operator console at `/` when its assets are built.
 */
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerConsole } from '../console/console-routes';
import { type AdminPluginOptions, adminPlugin } from './admin-plugin';

export const API_PREFIX = '/api/v1';

export async function createAdminServer(options: AdminPluginOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    // Live streams (GET /api/v1/events) never go idle: closing the server cuts every connection.
    forceCloseConnections: true,
    bodyLimit: options.bodyLimit ?? 65_536,
    // Extra fields are refused, not silently dropped: a body cannot smuggle an actor.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'rtv kill switches: admin API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(adminPlugin, { ...options, prefix: API_PREFIX });
  // Outside the API prefix too: unknown paths answer typed JSON.
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } }),
  );
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  // The console uses only the API above, signed in like any client.
  if (options.console !== false) registerConsole(app);
  await app.ready();
  return app;
}
