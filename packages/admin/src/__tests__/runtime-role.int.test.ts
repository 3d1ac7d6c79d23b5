/**
 * Least privilege on real PostgreSQL: a runtime role with the grants of
 * `grantRuntimeRole` runs the service (trips append history and audit), but
 * cannot UPDATE, DELETE or TRUNCATE history and audit, disable their
 * triggers, or rewind the chain head. The role is cluster-wide: its name is
 * unique and it is dropped after the file's database.
 */
import { randomBytes } from 'node:crypto';
import { createAuditEmitter, verifyAuditChain } from '@rtv/audit';
import { type DbHandle, createDb, grantRuntimeRole, pgErrorCode } from '@rtv/db';
import { type KillSwitchService, createKillSwitchService } from '@rtv/policy';
import { type TestDatabase, createTestDatabase } from '@rtv/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const role = `rtv_rt_${randomBytes(5).toString('hex')}`;
let owner: TestDatabase;
let runtime: DbHandle;
let service: KillSwitchService;

const asRuntime = (statement: string) => runtime.db.execute(sql.raw(statement));

async function refusedCode(statement: string): Promise<string | undefined> {
  try {
    await asRuntime(statement);
  } catch (error) {
    return pgErrorCode(error);
  }
  return undefined;
}

beforeAll(async () => {
  owner = await createTestDatabase();
  await owner.db.execute(sql.raw(`CREATE ROLE "${role}" LOGIN`));
  await grantRuntimeRole(owner.db, role);
  const url = new URL(owner.url);
  url.username = role;
  url.password = '';
  runtime = createDb(url.toString(), { max: 3 });
  const audit = createAuditEmitter({ db: runtime.db });
  service = createKillSwitchService({ db: runtime.db, audit, sweepIntervalMs: 0 });
  await service.ready();
});

afterAll(async () => {
  await service?.close();
  await runtime?.close();
  await owner?.close();
  const base = createDb(owner.url.replace(/\/[^/?]+(\?|$)/, '/postgres$1'), { max: 1 });
  await base.db.execute(sql.raw(`DROP ROLE IF EXISTS "${role}"`));
  await base.close();
});

describe('the runtime role', () => {
  it('runs the service: create, trip and release append history and audit through the append path', async () => {
    const sw = await service.create({
      scope: 'action',
      targetType: 'action',
      targetValue: 'send',
      createdBy: 'user:ops',
    });
    await service.activate({ id: sw.id, reason: 'tripped by the runtime role', activatedBy: 'user:ops' });
    await service.deactivate({ id: sw.id, reason: 'released by the runtime role', deactivatedBy: 'user:ops' });
    expect(await service.getHistory(sw.id)).toHaveLength(3);
    await service.fleet.awaitReceipt();
    // The three transitions, and the fleet receipt each of the two state changes appends.
    expect(await verifyAuditChain(runtime.db)).toMatchObject({ ok: true, count: 5 });
  });

  it.each([
    'UPDATE audit_events SET actor = $$forged$$',
    'DELETE FROM audit_events',
    'TRUNCATE audit_events',
    'UPDATE kill_switch_history SET reason = $$forged$$',
    'DELETE FROM kill_switch_history',
    'TRUNCATE kill_switch_history',
    'DELETE FROM incident_events',
    'ALTER TABLE audit_events DISABLE TRIGGER ALL',
    'ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only',
    'DROP TRIGGER audit_events_append_only ON audit_events',
    'ALTER TABLE audit_chain_head DISABLE TRIGGER ALL',
    'DELETE FROM audit_chain_head',
    'TRUNCATE audit_chain_head',
    'SET session_replication_role = replica',
  ])('is refused: %s', async (statement) => {
    expect(await refusedCode(statement)).toBe('42501');
  });

  it('cannot rewind the chain head, nor point it at a record that does not exist', async () => {
    expect(await refusedCode('UPDATE audit_chain_head SET seq = seq - 1')).toBe('42501');
    expect(await refusedCode(`UPDATE audit_chain_head SET hash = '${'f'.repeat(64)}'`)).toBe('42501');
    expect(await refusedCode(`UPDATE audit_chain_head SET seq = seq + 5, hash = '${'f'.repeat(64)}'`)).toBe('42501');
    expect(await verifyAuditChain(runtime.db)).toMatchObject({ ok: true });
  });
});
