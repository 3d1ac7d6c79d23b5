/**
 * `GET /events`: switch state changes, release requests, approvals and
 * bypasses as server-sent events, read from the audit trail (so nothing is
 * missed between polls and a reconnect resumes with `Last-Event-ID`).
 * Each event's id is the record's seq, its name the record's type.
 */
import { auditChainHead, auditEvents } from '@rtv/db';
import { and, asc, eq, gt, like } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { type Identity, seesClient } from '../identity/identity';
import type { AdminContext } from '../server/admin-context';
import { identityOf } from './request-identity';

const POLL_MS = 500;
const HEARTBEAT_MS = 15_000;

async function startSeq(ctx: AdminContext, lastEventId: unknown, after: number | undefined): Promise<number> {
  if (after !== undefined) return after;
  if (typeof lastEventId === 'string' && /^[0-9]{1,15}$/.test(lastEventId)) return Number(lastEventId);
  const [head] = await ctx.db.select().from(auditChainHead).where(eq(auditChainHead.id, 1));
  return Number(head?.seq ?? 0);
}

/** Writes the records after `last` that the identity may see; returns the new `last`. */
async function pushNew(ctx: AdminContext, identity: Identity, last: number, write: (text: string) => void) {
  const rows = await ctx.db
    .select()
    .from(auditEvents)
    .where(and(gt(auditEvents.seq, last), like(auditEvents.type, 'KILL_SWITCH_%')))
    .orderBy(asc(auditEvents.seq))
    .limit(200);
  for (const row of rows) {
    if (!seesClient(identity, row.clientId)) continue;
    const data = {
      seq: row.seq,
      type: row.type,
      actor: row.actor,
      target: row.target,
      clientId: row.clientId,
      metadata: row.metadata,
      occurredAt: row.occurredAt,
    };
    write(`id: ${row.seq}\nevent: ${row.type}\ndata: ${JSON.stringify(data)}\n\n`);
  }
  return rows.at(-1)?.seq ?? last;
}

export function registerEventRoutes(app: FastifyInstance, ctx: AdminContext): void {
  const open = new Set<() => void>();
  app.addHook('onClose', async () => {
    for (const end of open) end();
  });
  const querystring = {
    type: 'object',
    additionalProperties: false,
    properties: { after: { type: 'integer', minimum: 0 } },
  } as const;
  app.get('/events', { schema: { tags: ['events'], querystring } }, async (request, reply) => {
    const identity = identityOf(request);
    await ctx.require(identity, 'read');
    let last = await startSeq(ctx, request.headers['last-event-id'], (request.query as { after?: number }).after);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    raw.write(': rtv kill-switch events\n\n');
    let polling = false;
    const poll = setInterval(() => {
      if (polling) return;
      polling = true;
      pushNew(ctx, identity, last, (text) => raw.write(text))
        .then((seq) => {
          last = seq;
        })
        .catch((error) => ctx.logger.warn({ error: String(error) }, 'events: reading the trail failed; retrying'))
        .finally(() => {
          polling = false;
        });
    }, POLL_MS);
    const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const end = () => {
      if (!open.has(end)) return;
      clearInterval(poll);
      clearInterval(heartbeat);
      open.delete(end);
      raw.end();
    };
    open.add(end);
    // The response's close, not the request's: a GET's request closes as soon as it is read.
    raw.on('close', end);
  });
}
