/**
 * The provider on real PostgreSQL and Redis, through the OpenFeature SDK: an activation on
 * ANOTHER instance reaches this instance's provider as PROVIDER_CONFIGURATION_CHANGED and turns
 * its flag off with DISABLED, naming the switch; the release turns it back on.
 */
import { OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { createAuditEmitter } from '@rtv/audit';
import { type KillSwitchService, createKillSwitchService } from '@rtv/policy';
import {
  type TestDatabase,
  createTestDatabase,
  createTestRedis,
  deleteKeysWithPrefix,
  uniqueKeyPrefix,
  waitFor,
} from '@rtv/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KillSwitchProvider } from '../kill-switch-provider';

const ADMIN = 'user_admin_001';
let database: TestDatabase;
let redis: ReturnType<typeof createTestRedis>;
let keyPrefix: string;
let reader: KillSwitchService;
let writer: KillSwitchService;

beforeAll(async () => {
  database = await createTestDatabase('postgres');
  redis = createTestRedis();
  keyPrefix = uniqueKeyPrefix();
  const make = () =>
    createKillSwitchService({
      db: database.db,
      redis,
      keyPrefix,
      audit: createAuditEmitter({ db: database.db }),
      sweepIntervalMs: 0,
    });
  reader = make();
  writer = make();
  await Promise.all([reader.ready(), writer.ready()]);
});

afterAll(async () => {
  await OpenFeature.close();
  await reader?.close();
  await writer?.close();
  await deleteKeysWithPrefix(redis, keyPrefix);
  redis.disconnect();
  await database?.close();
});

describe('KillSwitchProvider on PostgreSQL and Redis', () => {
  it('follows another instance: ConfigurationChanged, then DISABLED naming the switch, then STATIC again', async () => {
    await OpenFeature.setProviderAndWait('int', new KillSwitchProvider({ service: reader }));
    const client = OpenFeature.getClient('int');
    let changes = 0;
    client.addHandler(ProviderEvents.ConfigurationChanged, () => {
      changes++;
    });
    const context = { clientId: 'client_a', platform: 'meta' };
    expect(await client.getBooleanDetails('allow.publish', false, context)).toMatchObject({
      value: true,
      reason: 'STATIC',
    });

    const sw = await writer.create({
      scope: 'platform',
      targetType: 'platform',
      targetValue: 'meta',
      createdBy: ADMIN,
    });
    await writer.activate({ id: sw.id, reason: 'meta API returns 500s', activatedBy: ADMIN });
    await waitFor(() => changes >= 1, {
      timeoutMs: 5_000,
      what: 'ConfigurationChanged for the activation',
    });
    const blocked = await client.getBooleanDetails('allow.publish', true, context);
    expect(blocked).toMatchObject({
      value: false,
      reason: 'DISABLED',
      flagMetadata: { switchId: sw.id, mode: 'halt' },
    });

    await writer.deactivate({ id: sw.id, reason: 'meta API healthy again', deactivatedBy: ADMIN });
    await waitFor(async () => (await client.getBooleanValue('allow.publish', false, context)) === true, {
      timeoutMs: 5_000,
      what: 'the flag to turn back on',
    });
    expect(await client.getBooleanDetails('allow.publish', false, context)).toMatchObject({ reason: 'STATIC' });
  });
});
