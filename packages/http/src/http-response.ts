/**
 * The framework-free response shape the endpoint helpers return, and how to
 * write it to a node:http response (which Express and Fastify's raw reply are).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A node-style handler: node:http, Express (`app.get(path, handler)`), Fastify (`handler(req.raw, reply.raw)`). */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

export function sendResponse(req: IncomingMessage, res: ServerResponse, response: HttpResponse): void {
  if (req.method !== undefined && req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    res.end('method not allowed\n');
    return;
  }
  res.writeHead(response.status, { ...response.headers, 'content-length': Buffer.byteLength(response.body) });
  res.end(req.method === 'HEAD' ? undefined : response.body);
}

/** Wraps an async response builder; a failure to build becomes a 500 instead of a hung request. */
export function nodeHandler(build: () => Promise<HttpResponse>): NodeHandler {
  return (req, res) => {
    build().then(
      (response) => sendResponse(req, res, response),
      (error: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const message = error instanceof Error ? error.message : String(error);
        sendResponse(req, res, {
          status: 500,
          headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
          body: `error: ${message}\n`,
        });
      },
    );
  };
}
