/** The SwitchStore contract on real PostgreSQL, and the refusal of an audit emitter bound elsewhere. */
import { createAuditEmitter, createMemoryAuditEmitter } from '@rtv/audit';
import { auditEvents } from '@rtv/db';
import { type TestDatabase, createTestDatabase } from '@rtv/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidationError } from '../../errors';
import { createTestClock } from '../../testing/test-clock';
import { createPostgresSwitchStore } from '../postgres/postgres-switch-store';
import { auditTypesIn, switchStoreContract } from './switch-store.contract';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase('postgres');
});
afterAll(async () => {
  await database?.close();
});

switchStoreContract('postgres', async () => {
  const database = await createTestDatabase('postgres');
  const clock = createTestClock(Date.now());
  const store = createPostgresSwitchStore({ db: database.db, clock });
  return {
    store,
    clock,
    auditTypes: (target) => auditTypesIn(database.db, target),
    close: () => database.close(),
  };
});

describe('Postgres store and its audit trail', () => {
  it('refuses an emitter that cannot join its transaction, naming the audit option', () => {
    let error: unknown;
    try {
      createPostgresSwitchStore({ db: database.db, audit: createMemoryAuditEmitter() });
    } catch (caught) {
      error = caught;
    }
    expect(error).toSatisfy(isValidationError);
    expect((error as { issues: { field: string }[] }).issues[0]?.field).toBe('audit');
  });

  it('writes every record into its own database, even with an emitter made on another pool', async () => {
    const other = await createTestDatabase('postgres');
    try {
      const store = createPostgresSwitchStore({ db: database.db, audit: createAuditEmitter({ db: other.db }) });
      const row = await store.create({ scope: 'global', targetType: 'all', targetValue: '*', createdBy: 'tester' });
      await store.appendAudit({ type: 'KILL_SWITCH_ACCESS_DENIED', actor: 'intruder', target: row.id });
      const here = await database.db.select().from(auditEvents).where(eq(auditEvents.target, row.id));
      const there = await other.db.select().from(auditEvents).where(eq(auditEvents.target, row.id));
      expect(here.map((r) => r.type).sort()).toEqual(['KILL_SWITCH_ACCESS_DENIED', 'KILL_SWITCH_CREATED']);
      expect(there).toEqual([]);
    } finally {
      await other.close();
    }
  });
});
