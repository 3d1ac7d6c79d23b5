/**
 * The audit trail: query with filters and a cursor; verify the chain and
 * compare it with the latest checkpoint; seal a checkpoint now.
 */
import { type AuditQuery, queryAudit, verifyAgainstCheckpoints, verifyAuditChain } from '@rtv/audit';
import { auditCheckpoints } from '@rtv/db';
import { desc } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { AdminHttpError } from '../errors';
import { type Identity, unfenced } from '../identity/identity';
import type { AdminContext } from '../server/admin-context';
import { identityOf } from './request-identity';

const tags = ['audit'];
const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;

/** Fenced identities read only their clients' records, and must say which client. */
async function requireAuditRead(ctx: AdminContext, identity: Identity, clientId: string | undefined): Promise<void> {
  await ctx.require(identity, 'read');
  if (unfenced(identity)) return;
  if (clientId === undefined || !identity.clients.includes(clientId)) {
    await ctx.deny(identity, 'read the audit trail', 'a client-fenced identity must filter by one of its clients');
  }
}

export function registerAuditRoutes(app: FastifyInstance, ctx: AdminContext): void {
  app.get(
    '/audit',
    {
      schema: {
        tags,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            target: text(200),
            actor: text(200),
            type: text(100),
            clientId: text(100),
            since: { type: 'string', format: 'date-time' },
            until: { type: 'string', format: 'date-time' },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
            cursor: text(200),
          },
        },
      },
    },
    async (request) => {
      const identity = identityOf(request);
      const q = request.query as Omit<AuditQuery, 'since' | 'until'> & { since?: string; until?: string };
      await requireAuditRead(ctx, identity, q.clientId);
      const { since, until, ...rest } = q;
      return queryAudit(ctx.db, {
        ...rest,
        ...(since ? { since: new Date(since) } : {}),
        ...(until ? { until: new Date(until) } : {}),
      });
    },
  );

  registerVerify(app, ctx);
}

/** The chain as stored, and the latest checkpoint compared with it. */
function registerVerify(app: FastifyInstance, ctx: AdminContext): void {
  app.post(
    '/audit/verify',
    {
      schema: {
        tags,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { fromSeq: { type: 'integer', minimum: 1 }, toSeq: { type: 'integer', minimum: 1 } },
        },
      },
    },
    async (request) => {
      const identity = identityOf(request);
      await requireAuditRead(ctx, identity, undefined);
      const body = (request.body ?? {}) as { fromSeq?: number; toSeq?: number };
      const chain = await verifyAuditChain(ctx.db, body);
      const [latest] = await ctx.db.select().from(auditCheckpoints).orderBy(desc(auditCheckpoints.seq)).limit(1);
      const publicKey = ctx.checkpoints?.publicKey;
      const checkpoint =
        latest && publicKey
          ? await verifyAgainstCheckpoints(ctx.db, [{ ...latest, signedAt: latest.signedAt.toISOString() }], publicKey)
          : null;
      return { ok: chain.ok && (checkpoint?.ok ?? true), chain, latestCheckpoint: latest ?? null, checkpoint };
    },
  );

  app.post('/audit/checkpoints', { schema: { tags } }, async (request, reply) => {
    const identity = identityOf(request);
    await ctx.require(identity, 'manage');
    if (!ctx.checkpoints) throw new AdminHttpError('CONFLICT', 'this server has no checkpoint key configured');
    return reply.code(201).send({ checkpoint: await ctx.checkpoints.seal() });
  });
}
