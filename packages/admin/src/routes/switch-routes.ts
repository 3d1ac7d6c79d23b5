/**
 * Switches: list, get, create, activate (trip), deactivate (release, or a
 * release request when the policy wants a second person), history, bypass.
 * The actor is always the caller's identity.
 */
import type { CreateSwitchInput, ListSwitchesFilter } from '@rtv/policy';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Identity, seesClient } from '../identity/identity';
import { bypassSwitch } from '../release/bypass';
import { type ReleaseReason, checkReason, describeReason } from '../release/reason';
import { needsSecondPerson, requestRelease } from '../release/release-requests';
import type { AdminContext } from '../server/admin-context';
import { identityOf } from './request-identity';
import { idParam, reasonBody } from './schemas';
import { activateBody, bypassBody, createSwitchBody, listSwitchesQuery } from './switch-schemas';

const tags = ['switches'];

interface ActivateBody {
  reason: string;
  expiresAt?: string;
  incidentId?: string;
  metadata?: Record<string, unknown>;
}

/** The switch named by the path, if the identity may see it (a fenced identity: its clients' and fleet-wide ones). */
async function switchOf(ctx: AdminContext, request: FastifyRequest, identity: Identity) {
  const sw = await ctx.service.getById((request.params as { id: string }).id);
  if (!seesClient(identity, sw.clientId)) await ctx.deny(identity, 'read', 'not a switch of its clients', sw.id);
  return sw;
}

function registerReads(app: FastifyInstance, ctx: AdminContext): void {
  app.get('/switches', { schema: { tags, querystring: listSwitchesQuery } }, async (request) => {
    const identity = identityOf(request);
    await ctx.require(identity, 'read');
    const switches = await ctx.service.list(request.query as ListSwitchesFilter);
    return { switches: switches.filter((sw) => seesClient(identity, sw.clientId)) };
  });
  app.get('/switches/:id', { schema: { tags, params: idParam } }, async (request) => {
    const identity = identityOf(request);
    await ctx.require(identity, 'read');
    return { switch: await switchOf(ctx, request, identity) };
  });
  app.get('/switches/:id/history', { schema: { tags, params: idParam } }, async (request) => {
    const identity = identityOf(request);
    await ctx.require(identity, 'read');
    const sw = await switchOf(ctx, request, identity);
    return { history: await ctx.service.getHistory(sw.id) };
  });
}

function registerCreateAndTrip(app: FastifyInstance, ctx: AdminContext): void {
  app.post('/switches', { schema: { tags, body: createSwitchBody } }, async (request, reply) => {
    const identity = identityOf(request);
    const body = request.body as Omit<CreateSwitchInput, 'createdBy'>;
    await ctx.require(identity, 'create', { id: '', clientId: body.clientId ?? null });
    const created = await ctx.service.create({ ...body, createdBy: identity.actor });
    return reply.code(201).send({ switch: created });
  });
  app.post('/switches/:id/activate', { schema: { tags, params: idParam, body: activateBody } }, async (request) => {
    const identity = identityOf(request);
    const body = request.body as ActivateBody;
    const sw = await switchOf(ctx, request, identity);
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
  });
}

function registerRelease(app: FastifyInstance, ctx: AdminContext): void {
  const schema = { tags, params: idParam, body: reasonBody };
  app.post('/switches/:id/deactivate', { schema }, async (request, reply) => {
    const identity = identityOf(request);
    const sw = await switchOf(ctx, request, identity);
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
  });
  app.post('/switches/:id/bypass', { schema: { tags, params: idParam, body: bypassBody } }, async (request) => {
    const identity = identityOf(request);
    const body = request.body as ReleaseReason & { durationMs: number };
    const sw = await switchOf(ctx, request, identity);
    const reason = checkReason({ reasonCode: body.reasonCode, reason: body.reason }, ctx.settings.reasonCodes);
    return bypassSwitch(ctx, identity, sw, reason, body.durationMs);
  });
}

export function registerSwitchRoutes(app: FastifyInstance, ctx: AdminContext): void {
  registerReads(app, ctx);
  registerCreateAndTrip(app, ctx);
  registerRelease(app, ctx);
}
