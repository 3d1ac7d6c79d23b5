/**
 * Triggers: managed by admins (create shows the secret once), and the signed
 * hook itself, which needs no token: its signature is the credential.
 */
import type { FastifyInstance } from 'fastify';
import { AdminHttpError } from '../errors';
import type { AdminContext } from '../server/admin-context';
import { ADMIN_AUDIT_TYPES } from '../server/audit-types';
import { fireTrigger } from '../triggers/fire-trigger';
import { createRateLimiter } from '../triggers/rate-limiter';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../triggers/signature';
import { createTrigger, listTriggers, revokeTrigger } from '../triggers/triggers';
import { identityOf } from './request-identity';
import { idParam } from './schemas';

const tags = ['triggers'];

export function registerTriggerRoutes(app: FastifyInstance, ctx: AdminContext): void {
  app.post(
    '/triggers',
    {
      schema: {
        tags,
        body: {
          type: 'object',
          required: ['switchId', 'name'],
          additionalProperties: false,
          properties: {
            switchId: { type: 'string', minLength: 1, maxLength: 36 },
            name: { type: 'string', minLength: 1, maxLength: 80 },
          },
        },
      },
    },
    async (request, reply) => {
      const identity = identityOf(request);
      const body = request.body as { switchId: string; name: string };
      await ctx.require(identity, 'manage');
      const created = await createTrigger(ctx.db, { ...body, createdBy: identity.actor, now: ctx.now() });
      await ctx.audit.emit({
        type: ADMIN_AUDIT_TYPES.triggerCreated,
        actor: identity.actor,
        target: created.trigger.switchId,
        metadata: { triggerId: created.trigger.id, name: created.trigger.name },
      });
      return reply.code(201).send(created);
    },
  );

  app.get('/triggers', { schema: { tags } }, async (request) => {
    await ctx.require(identityOf(request), 'manage');
    return { triggers: await listTriggers(ctx.db) };
  });

  app.delete('/triggers/:id', { schema: { tags, params: idParam } }, async (request) => {
    const identity = identityOf(request);
    await ctx.require(identity, 'manage');
    const trigger = await revokeTrigger(ctx.db, (request.params as { id: string }).id, ctx.now());
    await ctx.audit.emit({
      type: ADMIN_AUDIT_TYPES.triggerRevoked,
      actor: identity.actor,
      target: trigger.switchId,
      metadata: { triggerId: trigger.id },
    });
    return { trigger };
  });

  registerTriggerHook(app, ctx);
}

/** The signed hook: no token, its signature is the credential. */
function registerTriggerHook(app: FastifyInstance, ctx: AdminContext): void {
  const limiter = createRateLimiter(ctx.settings.triggersPerMinute);
  // The signature covers the exact bytes sent: this route keeps the body as text.
  app.register(async (hooks) => {
    hooks.removeAllContentTypeParsers();
    hooks.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    hooks.post(
      '/hooks/:triggerId',
      {
        config: { public: true },
        schema: {
          tags,
          params: {
            type: 'object',
            required: ['triggerId'],
            properties: { triggerId: { type: 'string', minLength: 1, maxLength: 36, pattern: '^[A-Za-z0-9_-]+$' } },
          },
        },
      },
      async (request) => {
        const header = (name: string) => {
          const value = request.headers[name];
          return typeof value === 'string' ? value : undefined;
        };
        if (typeof request.body !== 'string') throw new AdminHttpError('VALIDATION_ERROR', 'send a JSON body');
        return fireTrigger(ctx, limiter, {
          triggerId: (request.params as { triggerId: string }).triggerId,
          rawBody: request.body,
          timestamp: header(TIMESTAMP_HEADER),
          signature: header(SIGNATURE_HEADER),
        });
      },
    );
  });
}
