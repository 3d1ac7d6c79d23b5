/**
 * `GET /events`: server-sent events for the console. Authenticated like
 * every route (the console reads the stream with fetch, so the token travels
 * in the Authorization header, never in a URL). Sends `audit` events as the
 * trail grows (changes, release requests and decisions, receipts), filtered
 * to what the identity may see, and a `tick` every few seconds so a client
 * can tell a quiet system from a dead connection.
 */
import type { FastifyInstance } from 'fastify';
import type { FeedRecord } from '../events/audit-feed';
import { seesClient, unfenced } from '../identity/identity';
import type { AdminContext } from '../server/admin-context';
import { identityOf } from './request-identity';

const TICK_MS = 5000;

const frame = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export function registerEventRoutes(app: FastifyInstance, ctx: AdminContext): void {
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  app.get('/events', { schema: { tags: ['events'] } }, async (request, reply) => {
    const identity = identityOf(request);
    await ctx.require(identity, 'read');
    const visible = (r: FeedRecord) =>
      unfenced(identity) ? true : r.clientId !== null && seesClient(identity, r.clientId);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
      // A stream is never followed by another request on its connection: close it with the stream.
      connection: 'close',
    });
    res.write(`retry: 3000\n${frame('tick', { at: ctx.now().toISOString() })}`);
    const unsubscribe = ctx.feed.subscribe((records) => {
      const shown = records.filter(visible);
      if (shown.length > 0) res.write(frame('audit', shown));
    });
    const ticker = setInterval(() => res.write(frame('tick', { at: ctx.now().toISOString() })), TICK_MS);
    const end = () => {
      clearInterval(ticker);
      unsubscribe();
      open.delete(end);
      if (!res.writableEnded) res.end();
    };
    open.add(end);
    // The response closes when the client goes away (or the stream ends): stop feeding it.
    res.on('close', end);
    res.on('error', end);
  });
}
