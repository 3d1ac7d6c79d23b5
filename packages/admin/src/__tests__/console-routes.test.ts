/**
 * The console's files as the server sends them: built by the package's
 * build step, served with their content types, a strict CSP, cache headers
 * (hashed names for a year, the page revalidated) and gzip when accepted.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../build/console.mjs';
import { CONSOLE_CSP, registerConsole } from '../console/console-routes';

let app: FastifyInstance;
let files: string[];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtv-console-assets-'));
  files = await buildConsole(dir);
  app = Fastify();
  expect(registerConsole(app, dir)).toBe(true);
  await app.ready();
}, 60_000);

afterAll(async () => {
  await app?.close();
});

describe('console assets', () => {
  it('serves the page with a strict CSP, revalidated on each load, pointing at the hashed files', async () => {
    const page = await app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).not.toContain('unsafe');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['x-frame-options']).toBe('DENY');
    for (const file of files.filter((f) => f !== 'index.html')) expect(page.body).toContain(`/console/${file}`);
  });

  it('serves the script and stylesheet with their types, cached for a year, gzipped when accepted', async () => {
    const script = files.find((f) => f.endsWith('.js')) ?? '';
    const plain = await app.inject({ url: `/console/${script}` });
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const zipped = await app.inject({ url: `/console/${script}`, headers: { 'accept-encoding': 'gzip, br' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
    // Small enough for a poor connection: the whole script under 30 KB gzipped.
    expect(zipped.rawPayload.length).toBeLessThan(30_000);
    const style = files.find((f) => f.endsWith('.css')) ?? '';
    expect((await app.inject({ url: `/console/${style}` })).headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('answers 404 for anything else, including paths that try to leave the folder', async () => {
    for (const url of [
      '/console/index.html',
      '/console/nope.js',
      '/console/..%2Fpackage.json',
      '/console/..%2F..%2Fpackage.json',
      '/console/app.js.map',
    ]) {
      expect([url, (await app.inject({ url })).statusCode]).toEqual([url, 404]);
    }
  });
});
