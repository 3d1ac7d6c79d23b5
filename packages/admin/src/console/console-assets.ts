/**
 * The operator console's files, built at package build time into
 * `dist/console` (see build/console.mjs) and read into memory once: a few
 * tens of KB, served from memory with their content types. Running from the
 * sources (tests), the same built folder is found next to them.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export interface ConsoleAsset {
  body: Buffer;
  /** The same bytes gzipped once at startup: a slow connection gets a third of the bytes. */
  gzipped: Buffer;
  contentType: string;
  /** Hashed names never change content: cached for a year; index.html is revalidated each time. */
  immutable: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

function moduleDir(): string {
  // CJS has __dirname; ESM (and the sources under tsx/vitest) has import.meta.url.
  return typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
}

/** Where the built console is: `dist/console` beside the bundle, or the package's dist from its sources. */
export function findConsoleDir(): string | undefined {
  const here = moduleDir();
  const candidates = [join(here, 'console'), join(here, '..', '..', 'dist', 'console')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

export function loadConsoleAssets(dir: string): Map<string, ConsoleAsset> {
  const assets = new Map<string, ConsoleAsset>();
  for (const name of readdirSync(dir)) {
    const ext = name.slice(name.lastIndexOf('.'));
    const contentType = TYPES[ext];
    if (!contentType || !/^[A-Za-z0-9_.-]+$/.test(name)) continue;
    const body = readFileSync(join(dir, name));
    assets.set(name, { body, gzipped: gzipSync(body), contentType, immutable: /-[A-Z0-9]{8}\./.test(name) });
  }
  return assets;
}
