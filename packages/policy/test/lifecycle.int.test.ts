/**
 * Lifecycle against real servers: a service whose Redis was unreachable
 * from the start, once closed, lets its process exit on its own.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type TestDatabase, createTestDatabase } from '@rtv/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase('postgres');
});
afterAll(async () => {
  await database?.close();
});

/** A loopback port that refuses connections: taken, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('close() with Redis unreachable since start', () => {
  it('leaves nothing behind: the process exits by itself', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./fixtures/close-with-redis-down.ts', import.meta.url))],
      {
        cwd: fileURLToPath(new URL('../../../', import.meta.url)),
        env: { ...process.env, DATABASE_URL: database.url, REDIS_URL: `redis://127.0.0.1:${await closedPort()}` },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    // Had close() left the subscriber reconnecting, the child would live on: end it and say so.
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    clearTimeout(guard);
    expect(stdout.trim()).toBe('closed');
    expect(exit).toEqual({ code: 0, signal: null });
  });
});
