/**
 * Serves the console at `/` and its files under `/console/`, with a strict
 * Content-Security-Policy: scripts and styles only from this origin, no
 * inline code, no framing, API calls only to this origin.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ConsoleAsset, findConsoleDir, loadConsoleAssets } from './console-assets';

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function send(request: FastifyRequest, reply: FastifyReply, asset: ConsoleAsset) {
  const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  if (gzip) reply.header('content-encoding', 'gzip');
  return reply
    .header('vary', 'accept-encoding')
    .header('content-type', asset.contentType)
    .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .send(gzip ? asset.gzipped : asset.body);
}

/** Registers the console when its assets are built; returns whether it did. */
export function registerConsole(app: FastifyInstance, dir = findConsoleDir()): boolean {
  if (!dir) return false;
  const assets = loadConsoleAssets(dir);
  const index = assets.get('index.html');
  if (!index) return false;
  const page = { config: { public: true }, schema: { hide: true } };
  app.get('/', page, async (request, reply) => send(request, reply, index));
  app.get('/console/:name', page, async (request, reply) => {
    const asset = assets.get((request.params as { name: string }).name);
    if (!asset || asset === index) {
      return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'no such console file' } });
    }
    return send(request, reply, asset);
  });
  return true;
}
