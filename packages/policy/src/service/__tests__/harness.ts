/**
 * Builds kill-switch services on a test database and Redis namespace of the
 * file's own, and closes everything it built.
 */
import { type AuditEmitter, createAuditEmitter } from '@rtv/audit';
import { type Database, auditEvents, killSwitchHistory } from '@rtv/db';
import {
  type TestDatabase,
  createTestDatabase,
  createTestRedis,
  deleteKeysWithPrefix,
  uniqueKeyPrefix,
} from '@rtv/testing';
import { eq } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { KillSwitchService } from '../../types';
import { type KillSwitchServiceOptions, createKillSwitchService } from '../create-service';

export interface Harness {
  database: TestDatabase;
  redis: Redis;
  keyPrefix: string;
  audit: AuditEmitter;
  service(options?: Partial<KillSwitchServiceOptions>): KillSwitchService;
  auditFor(target: string, db?: Database): Promise<(typeof auditEvents.$inferSelect)[]>;
  historyFor(id: string): Promise<(typeof killSwitchHistory.$inferSelect)[]>;
  close(): Promise<void>;
}

export async function createHarness(): Promise<Harness> {
  const database = await createTestDatabase('postgres');
  const redis = createTestRedis();
  const keyPrefix = uniqueKeyPrefix();
  const audit = createAuditEmitter({ db: database.db });
  const services: KillSwitchService[] = [];
  const closers: Array<() => Promise<unknown>> = [];
  return {
    database,
    redis,
    keyPrefix,
    audit,
    service(options = {}) {
      const service = createKillSwitchService({
        db: database.db,
        redis,
        audit,
        keyPrefix,
        sweepIntervalMs: 0,
        ...options,
      });
      services.push(service);
      return service;
    },
    async auditFor(target, db = database.db) {
      return db.select().from(auditEvents).where(eq(auditEvents.target, target)).orderBy(auditEvents.seq);
    },
    async historyFor(id) {
      return database.db
        .select()
        .from(killSwitchHistory)
        .where(eq(killSwitchHistory.killSwitchId, id))
        .orderBy(killSwitchHistory.seq);
    },
    async close() {
      for (const service of services) await service.close();
      for (const close of closers) await close();
      await audit.close();
      await deleteKeysWithPrefix(redis, keyPrefix);
      redis.disconnect();
      await database.close();
    },
  };
}

export const ADMIN = 'user_admin_001';
export const REASON = 'API instability on the platform';
