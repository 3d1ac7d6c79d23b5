import type { ListSwitchesFilter } from '@rtv/policy';
/**
 * Switches: list, get, create, activate (trip), deactivate (release, or a
 * release request when the policy wants a second person), history, bypass.
 * The actor is always the caller's identity.
 */
import type { FastifyInstance } from 'fastify';
import { seesClient } from '../identity/identity';
import { bypassSwitch } from '../release/bypass';
import { type ReleaseReason, checkReason, describeReason } from '../release/reason';
import { needsSecondPerson, requestRelease } from '../release/release-requests';
import type { AdminContext } from '../server/admin-context';
import { identityOf } from './request-identity';
import { idParam, reasonBody, scopeEnum, targetTypeEnum } from './schemas';

const tags = ['switches'];

async function visibleSwitch(ctx: AdminContext, identity: ReturnType<typeof identityOf>, id: string) {
  const sw = await ctx.service.getById(id);
  if (!seesClient(identity, sw.clientId)) await ctx.deny(identity, 'read', 'not a switch of its clients', sw.id);
  return sw;
}

export function registerSwitchRoutes(app: FastifyInstance, ctx: AdminContext): void {
  app.get(
    '/switches',
    {
      schema: {
        tags,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            scope: { type: 'string', enum: scopeEnum },
            clientId: { type: 'string', minLength: 1, maxLength: 100 },
            targetType: { type: 'string', enum: targetTypeEnum },
            platform: { type: 'string', minLength: 1, maxLength: 50 },
            activeOnly: { type: 'boolean' },
          },
        },
      },
    },
    async (request) => {
      const identity = identityOf(request);
      await ctx.require(identity, 'read');
      const switches = await ctx.service.list(request.query as ListSwitchesFilter);
      return { switches: switches.filter((sw) => seesClient(identity, sw.clientId)) };
    },
  );

  app.get('/switches/:id', { schema: { tags, params: idParam } }, async (request) => {
    const identity = identityOf(request);
    await ctx.require(identity, 'read');
    return { switch: await visibleSwitch(ctx, identity, (request.params as { id: string }).id) };
  });

  app.post(
    '/switches',
    {
      schema: {
        tags,
        body: {
          type: 'object',
          required: ['scope', 'targetType', 'targetValue'],
          additionalProperties: false,
          properties: {
            scope: { type: 'string', enum: scopeEnum },
            targetType: { type: 'string', enum: targetTypeEnum },
            targetValue: { type: 'string', minLength: 1, maxLength: 100 },
            clientId: { type: 'string', minLength: 1, maxLength: 100 },
            platform: { type: 'string', minLength: 1, maxLength: 50 },
          },
        },
      },
    },
    async (request, reply) => {
      const identity = identityOf(request);
      const body = request.body as {
        scope: 'global';
        targetType: 'all';
        targetValue: string;
        clientId?: string;
        platform?: string;
      };
      await ctx.require(identity, 'create', { id: '', clientId: body.clientId ?? null });
      const created = await ctx.service.create({ ...body, createdBy: identity.actor });
      return reply.code(201).send({ switch: created });
    },
  );

  app.post(
    '/switches/:id/activate',
    {
      schema: {
        tags,
        params: idParam,
        body: {
          type: 'object',
          required: ['reason'],
          additionalProperties: false,
          properties: {
            reason: { type: 'string', minLength: 10, maxLength: 1000 },
            expiresAt: { type: 'string', format: 'date-time' },
            incidentId: { type: 'string', minLength: 1, maxLength: 36 },
            metadata: { type: 'object' },
          },
        },
      },
    },
    async (request) => {
      const identity = identityOf(request);
      const body = request.body as {
        reason: string;
        expiresAt?: string;
        incidentId?: string;
        metadata?: Record<string, unknown>;
      };
      const sw = await visibleSwitch(ctx, identity, (request.params as { id: string }).id);
      await ctx.require(identity, 'trip', sw);
      const result = await ctx.service.activate({
        id: sw.id,
        reason: body.reason,
        activatedBy: identity.actor,
        ...(body.expiresAt ? { expiresAt: new Date(body.expiresAt) } : {}),
        ...(body.incidentId ? { incidentId: body.incidentId } : {}),
        ...(body.metadata ? { metadata: body.metadata } : {}),
      });
      return { switch: result.switch, changed: result.changed };
    },
  );

  app.post(
    '/switches/:id/deactivate',
    { schema: { tags, params: idParam, body: reasonBody } },
    async (request, reply) => {
      const identity = identityOf(request);
      const sw = await visibleSwitch(ctx, identity, (request.params as { id: string }).id);
      await ctx.require(identity, 'release', sw);
      const reason = checkReason(request.body as ReleaseReason, ctx.settings.reasonCodes);
      if (needsSecondPerson(ctx, sw) && sw.isActive) {
        return reply.code(202).send({ releaseRequest: await requestRelease(ctx, identity, sw, reason) });
      }
      const result = await ctx.service.deactivate({
        id: sw.id,
        reason: describeReason(reason),
        deactivatedBy: identity.actor,
        metadata: { reasonCode: reason.reasonCode },
      });
      if (result.changed) await ctx.checkpoints?.seal();
      return { switch: result.switch, changed: result.changed };
    },
  );

  app.get('/switches/:id/history', { schema: { tags, params: idParam } }, async (request) => {
    const identity = identityOf(request);
    await ctx.require(identity, 'read');
    const sw = await visibleSwitch(ctx, identity, (request.params as { id: string }).id);
    return { history: await ctx.service.getHistory(sw.id) };
  });

  app.post(
    '/switches/:id/bypass',
    {
      schema: {
        tags,
        params: idParam,
        body: {
          ...reasonBody,
          required: [...reasonBody.required, 'durationMs'],
          properties: { ...reasonBody.properties, durationMs: { type: 'integer', minimum: 1000 } },
        },
      },
    },
    async (request) => {
      const identity = identityOf(request);
      const body = request.body as ReleaseReason & { durationMs: number };
      const sw = await visibleSwitch(ctx, identity, (request.params as { id: string }).id);
      const reason = checkReason({ reasonCode: body.reasonCode, reason: body.reason }, ctx.settings.reasonCodes);
      return bypassSwitch(ctx, identity, sw, reason, body.durationMs);
    },
  );
}
