/**
 * The service's lifecycle on memory adapters and a test clock: staleness
 * judged on the injected clock, a year-long staleness window, answers after
 * close(), and options refused with the option's name. No server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMemorySwitchStore } from '../../adapters/memory/memory-switch-store';
import { isStateUnavailableError, isValidationError } from '../../errors';
import { type KillSwitchTestKit, createKillSwitchTestKit } from '../../testing/kill-switch-test-kit';
import { createKillSwitchService } from '../create-service';

const ctx = { clientId: 'client_a', action: 'publish', platform: 'meta' };
const MINUTE = 60_000;
const kits: KillSwitchTestKit[] = [];
const kit = (options: Parameters<typeof createKillSwitchTestKit>[0] = {}) => {
  const made = createKillSwitchTestKit(options);
  kits.push(made);
  return made;
};
afterEach(async () => {
  for (const k of kits.splice(0)) await k.close();
});

describe('staleness on the injected clock', () => {
  it('answers from the snapshot at 4:59 without confirmation and fails closed at 5:01', async () => {
    const k = kit({ maxStalenessMs: 5 * MINUTE });
    await k.service.ready();
    k.faults.storeDown();
    k.clock.advance(4 * MINUTE + 59_000);
    await k.clock.flush();
    expect(await k.service.isTripped(ctx)).toMatchObject({ tripped: false, reason: null });
    expect(k.service.check(ctx).tripped).toBe(false);
    k.clock.advance(2_000);
    await k.clock.flush();
    const stale = await k.service.isTripped(ctx);
    expect(stale).toMatchObject({ tripped: true, switch: null });
    expect(stale.reason).toMatch(/^Kill-switch state unavailable: not confirmed for 301s \(maxStalenessMs 300000\)/);
    expect(k.service.check(ctx)).toBe(stale);
    expect((await k.service.health()).components.snapshot.status).toBe('failed');
  });

  it('fails open past the window when built so, and recovers once the store answers again', async () => {
    const k = kit({ maxStalenessMs: 5 * MINUTE, failMode: 'open', pollIntervalMs: 1_000 });
    await k.service.ready();
    await k.faults.makeStale();
    expect(await k.service.isTripped(ctx)).toMatchObject({ tripped: false, switch: null });
    expect((await k.service.isTripped(ctx)).reason).toMatch(/failing open$/);
    k.faults.storeDown(false);
    k.clock.advance(8_000); // past the backed-off poll
    await k.clock.flush();
    expect(await k.service.isTripped(ctx)).toMatchObject({ tripped: false, reason: null });
  });

  it('takes a year-long window: still answering after 364 days unconfirmed, failing closed after 365', async () => {
    const year = 365 * 24 * 60 * MINUTE;
    const k = kit({ maxStalenessMs: year, pollIntervalMs: 60 * MINUTE });
    await k.service.ready();
    expect((await k.service.isTripped(ctx)).tripped).toBe(false);
    k.faults.storeDown();
    k.clock.advance(year - 24 * 60 * MINUTE);
    await k.clock.flush();
    expect((await k.service.isTripped(ctx)).tripped).toBe(false);
    k.clock.advance(24 * 60 * MINUTE + 1_000);
    await k.clock.flush();
    expect((await k.service.isTripped(ctx)).tripped).toBe(true);
  });
});

describe('after close()', () => {
  it('answers by the failure policy saying the service is closed, and health says failed', async () => {
    const k = kit();
    const sw = await k.trip({ scope: 'platform', targetType: 'platform', targetValue: 'tiktok' });
    expect((await k.service.isTripped(ctx)).tripped).toBe(false);
    await k.service.close();
    const closed = await k.service.isTripped(ctx);
    expect(closed).toMatchObject({
      tripped: true,
      switch: null,
      reason: 'Kill-switch service is closed; failing closed',
    });
    expect(k.service.check(ctx)).toBe(closed);
    const health = await k.service.health();
    expect(health).toMatchObject({ status: 'failed', closed: true });
    await expect(
      k.service.deactivate({ id: sw.id, reason: 'too late for this one', deactivatedBy: 'ops' }),
    ).rejects.toSatisfy(isStateUnavailableError);
    await expect(k.service.ready()).rejects.toSatisfy(isStateUnavailableError);
    expect(k.clock.pendingTimers()).toBe(0);
  });

  it('answers open after close when the service fails open', async () => {
    const k = kit({ failMode: 'open' });
    await k.service.close();
    expect(await k.service.isTripped(ctx)).toMatchObject({
      tripped: false,
      reason: 'Kill-switch service is closed; failing open',
    });
  });
});

describe('a change not yet propagated', () => {
  it('is committed in the store but not seen by this instance until it arrives', async () => {
    const k = kit();
    await k.service.ready();
    await k.faults.holdPropagation();
    const sw = await k.trip({ scope: 'platform', targetType: 'platform', targetValue: 'meta' });
    expect((await k.service.getById(sw.id)).isActive).toBe(true);
    expect((await k.service.isTripped(ctx)).tripped).toBe(false);
    await k.propagate();
    expect(await k.service.isTripped(ctx)).toMatchObject({ tripped: true, switch: { id: sw.id } });
  });
});

describe('options', () => {
  const store = createMemorySwitchStore();
  const refused = (options: Record<string, unknown>) => {
    try {
      createKillSwitchService({ store, ...options });
    } catch (error) {
      return error;
    }
    return undefined;
  };

  it.each([
    [{ maxStalenessMs: 365 * 24 * 3_600_000 + 1 }, 'maxStalenessMs', /at most/],
    [{ maxStalenessMs: 0 }, 'maxStalenessMs', /at least 1/],
    [{ maxStalenessMs: '300000' }, 'maxStalenessMs', /number of milliseconds/],
    [{ pollIntervalMs: 1.5 }, 'pollIntervalMs', /whole number/],
    [{ failMode: 'sometimes' }, 'failMode', /'closed' or 'open'/],
    [{ keyPrefix: 'has space' }, 'keyPrefix', /printable ASCII/],
    [{ clock: { now: 5 } }, 'clock', /now\(\)/],
    [{ logger: { info() {} } }, 'logger', /pino/],
    [{ sweepIntervalMs: -1 }, 'sweepIntervalMs', /at least 0/],
    [{ writeTimeoutMs: 50 }, 'writeTimeoutMs', /at least 100/],
    [{ writeTimeoutMs: 'soon' }, 'writeTimeoutMs', /number of milliseconds/],
  ])('refuses %j with a ValidationError naming %s', (options, field, message) => {
    const error = refused(options);
    expect(error).toSatisfy(isValidationError);
    expect((error as { issues: { field: string }[] }).issues[0]?.field).toBe(field);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses options with neither store nor db', () => {
    expect(() => createKillSwitchService({} as never)).toThrow(/need a store/);
  });
});
