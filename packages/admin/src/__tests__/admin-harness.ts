/**
 * A real admin server for integration tests: a database of its own, Redis
 * under a unique prefix, the service, audit and incidents on them, listening
 * on a free port; tokens for each kind of identity; `call` over real HTTP.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditEmitter, createCheckpointSealer, createFileCheckpointSink } from '@rtv/audit';
import type { AdminRole } from '@rtv/db';
import { type Clock, createIncidentService, createKillSwitchService } from '@rtv/policy';
import {
  type TestDatabase,
  createTestDatabase,
  createTestRedis,
  deleteKeysWithPrefix,
  uniqueKeyPrefix,
} from '@rtv/testing';
import type { FastifyInstance } from 'fastify';
import { createApiToken } from '../identity/tokens';
import type { AdminServerOptions } from '../server/admin-options';
import { createAdminServer } from '../server/create-admin-server';

/** Answers are read loosely in tests: each assertion says what it expects. */
// biome-ignore lint/suspicious/noExplicitAny: test answers are asserted field by field
export type ApiBody = any;

export interface AdminHarness {
  database: TestDatabase;
  app: FastifyInstance;
  baseUrl: string;
  checkpointFile: string;
  publicKey: import('node:crypto').KeyObject;
  token(name: string, role: AdminRole, options?: { clients?: string[]; breakGlass?: boolean }): Promise<string>;
  call(token: string | null, method: string, path: string, body?: unknown): Promise<{ status: number; body: ApiBody }>;
  close(): Promise<void>;
}

export async function startAdminHarness(
  extra: Partial<AdminServerOptions> & { clock?: Clock } = {},
): Promise<AdminHarness> {
  const database = await createTestDatabase();
  const redis = createTestRedis();
  const keyPrefix = uniqueKeyPrefix();
  const audit = createAuditEmitter({ db: database.db });
  const service = createKillSwitchService({
    db: database.db,
    redis,
    audit,
    keyPrefix,
    sweepIntervalMs: 0,
    ...(extra.clock ? { clock: extra.clock } : {}),
  });
  await service.ready();
  const incidents = createIncidentService({ db: database.db, audit });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const checkpointFile = join(mkdtempSync(join(tmpdir(), 'rtv-admin-')), 'checkpoints.jsonl');
  const checkpoints = createCheckpointSealer({
    db: database.db,
    privateKey,
    sinks: [createFileCheckpointSink(checkpointFile)],
  });
  const app = await createAdminServer({ db: database.db, service, audit, incidents, checkpoints, ...extra });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    database,
    app,
    baseUrl: address,
    checkpointFile,
    publicKey,
    async token(name, role, options = {}) {
      const { token } = await createApiToken(database.db, { name, role, createdBy: 'test', ...options });
      return token;
    },
    async call(token, method, path, body) {
      const headers: Record<string, string> = {};
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${address}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
    async close() {
      await app.close();
      await service.close();
      await audit.close();
      await deleteKeysWithPrefix(redis, keyPrefix);
      redis.disconnect();
      await database.close();
    },
  };
}
