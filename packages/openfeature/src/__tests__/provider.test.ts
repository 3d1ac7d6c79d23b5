/**
 * The provider through the real OpenFeature SDK (`@openfeature/server-sdk`: setProviderAndWait,
 * getBooleanValue/Details, provider status and events) against the real kill-switch service on
 * memory adapters: values and standard reasons, the deciding switch in flag metadata, READY,
 * STALE and ERROR, and ConfigurationChanged on every applied change.
 */
import { ErrorCode, OpenFeature, ProviderEvents, ProviderStatus } from '@openfeature/server-sdk';
import { type KillSwitchTestKit, createKillSwitchTestKit } from '@rtv/policy';
import { waitFor } from '@rtv/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { KillSwitchProvider } from '../kill-switch-provider';

const kits: KillSwitchTestKit[] = [];
let domains = 0;

async function setUp(options: Parameters<typeof createKillSwitchTestKit>[0] = {}) {
  const kit = createKillSwitchTestKit(options);
  kits.push(kit);
  const domain = `kill-switch-${++domains}`;
  const provider = new KillSwitchProvider({ service: kit.service, statusIntervalMs: 10 });
  await OpenFeature.setProviderAndWait(domain, provider);
  const client = OpenFeature.getClient(domain);
  return { kit, client, provider };
}

afterEach(async () => {
  for (const kit of kits.splice(0)) await kit.close();
});
afterAll(async () => {
  await OpenFeature.close();
});

const context = { clientId: 'client_a', platform: 'meta' };

describe('boolean evaluation', () => {
  it('answers true with STATIC when no switch matches, and the provider is READY', async () => {
    const { client } = await setUp();
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    expect(await client.getBooleanValue('allow.publish', false, context)).toBe(true);
    const details = await client.getBooleanDetails('allow.publish', false, context);
    expect(details).toMatchObject({ value: true, reason: 'STATIC', variant: 'allowed', flagKey: 'allow.publish' });
    expect(details.flagMetadata).toMatchObject({ reasonCode: 'CLEAR' });
    expect(details.errorCode).toBeUndefined();
  });

  it('answers false with DISABLED when a switch blocks, naming it in the metadata; ConfigurationChanged fires', async () => {
    const { kit, client } = await setUp();
    const changes: unknown[] = [];
    client.addHandler(ProviderEvents.ConfigurationChanged, (details) => changes.push(details));
    const sw = await kit.trip({ scope: 'platform', targetType: 'platform', targetValue: 'meta' }, 'meta API is down');
    await waitFor(() => changes.length > 0, { timeoutMs: 2_000, what: 'ConfigurationChanged' });
    const details = await client.getBooleanDetails('allow.publish', true, context);
    expect(details).toMatchObject({ value: false, reason: 'DISABLED', variant: 'blocked' });
    expect(details.flagMetadata).toMatchObject({
      switchId: sw.id,
      mode: 'halt',
      level: 3,
      reasonCode: 'HALTED',
      reason: 'meta API is down',
    });
    // Another platform and another client's targeting key are untouched.
    expect(await client.getBooleanValue('allow.publish', false, { targetingKey: 'client_b', platform: 'x' })).toBe(
      true,
    );
  });

  it('answers true with TARGETING_MATCH for what a reduce switch lets through', async () => {
    const { kit, client } = await setUp();
    const row = await kit.service.ensure({
      scope: 'platform',
      targetType: 'platform',
      targetValue: 'meta',
      createdBy: 'test',
    });
    await kit.service.activate({ id: row.id, reason: 'reduce only on meta', activatedBy: 'test', mode: 'reduce' });
    expect(await client.getBooleanDetails('allow.delete', false, context)).toMatchObject({
      value: true,
      reason: 'TARGETING_MATCH',
      flagMetadata: { mode: 'reduce', reasonCode: 'RISK_REDUCING', switchId: row.id },
    });
    expect(await client.getBooleanValue('allow.publish', true, context)).toBe(false);
  });

  it('gives the default with an error code for other types, unknown flags and a context without a client', async () => {
    const { client } = await setUp();
    expect(await client.getStringDetails('allow.publish', 'x', context)).toMatchObject({
      value: 'x',
      reason: 'ERROR',
      errorCode: ErrorCode.TYPE_MISMATCH,
    });
    expect(await client.getBooleanDetails('publish', false, context)).toMatchObject({
      value: false,
      errorCode: ErrorCode.FLAG_NOT_FOUND,
    });
    expect(await client.getBooleanDetails('allow.publish', false, { platform: 'meta' })).toMatchObject({
      value: false,
      errorCode: ErrorCode.TARGETING_KEY_MISSING,
    });
    expect(await client.getBooleanDetails('allow.publish', false, { clientId: 7 })).toMatchObject({
      value: false,
      errorCode: ErrorCode.INVALID_CONTEXT,
    });
  });
});

describe('provider status', () => {
  it('goes STALE when the state is unconfirmed past maxStalenessMs (answers by the failure policy), READY again after', async () => {
    const { kit, client } = await setUp({ maxStalenessMs: 60_000, pollIntervalMs: 1_000 });
    const stale = new Promise((resolve) => client.addHandler(ProviderEvents.Stale, resolve));
    await kit.faults.makeStale();
    await stale;
    expect(client.providerStatus).toBe(ProviderStatus.STALE);
    const details = await client.getBooleanDetails('allow.publish', true, context);
    expect(details).toMatchObject({ value: false, reason: 'STALE', flagMetadata: { reasonCode: 'STATE_UNAVAILABLE' } });
    expect(details.errorMessage).toMatch(/not confirmed/);

    const ready = new Promise((resolve) => client.addHandler(ProviderEvents.Ready, resolve));
    kit.faults.storeDown(false);
    kit.clock.advance(10_000);
    await kit.clock.flush();
    await ready;
    expect(client.providerStatus).toBe(ProviderStatus.READY);
  });

  it('is ERROR when the service cannot load any state within startupTimeoutMs', async () => {
    const kit = createKillSwitchTestKit({ startupTimeoutMs: 1_000 });
    kits.push(kit);
    kit.faults.storeDown();
    const domain = `kill-switch-${++domains}`;
    let outcome: unknown;
    const settled = OpenFeature.setProviderAndWait(domain, new KillSwitchProvider({ service: kit.service })).then(
      () => 'ready',
      (error: unknown) => error,
    );
    void settled.then((value) => {
      outcome = value;
    });
    // Past startupTimeoutMs on the service's clock, however long the first attempt takes.
    await waitFor(
      async () => {
        kit.clock.advance(500);
        await kit.clock.flush();
        return outcome !== undefined;
      },
      { timeoutMs: 5_000, what: 'the provider to give up loading' },
    );
    expect(outcome).toMatchObject({ code: 'STATE_UNAVAILABLE' });
    const client = OpenFeature.getClient(domain);
    expect(client.providerStatus).toBe(ProviderStatus.ERROR);
  });

  it('is ERROR once the service is closed, and resolves ERROR by the failure policy (closed: false)', async () => {
    const { kit, client, provider } = await setUp();
    const errored = new Promise((resolve) => client.addHandler(ProviderEvents.Error, resolve));
    await kit.close();
    await errored;
    expect(client.providerStatus).toBe(ProviderStatus.ERROR);
    const resolved = await provider.resolveBooleanEvaluation('allow.publish', true, context);
    expect(resolved).toMatchObject({ value: false, reason: 'ERROR', flagMetadata: { reasonCode: 'SERVICE_CLOSED' } });
  });
});
