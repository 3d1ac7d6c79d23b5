import { silentLogger } from '@rtv/audit';
import { waitFor } from '@rtv/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { isValidationError } from '../../errors';
import type { Metrics } from '../../ports';
import { type KillSwitchTestKit, createKillSwitchTestKit } from '../../testing/kill-switch-test-kit';
import { createTestClock } from '../../testing/test-clock';
import { type AutoTripMonitor, type AutoTripMonitorOptions, createAutoTripMonitor } from '../auto-trip-monitor';
import type { AutoTripMonitorConfig } from '../config';

/** What the monitor puts in the fields of a background failure. */
interface AutoTripErrorFields {
  operation: string;
  target?: string;
  clientId?: string | null;
}

const specConfig: AutoTripMonitorConfig = {
  windowMs: 60_000,
  checkIntervalMs: 10_000,
  thresholds: {
    'platform:meta': { errorRate: 0.5, minSamples: 10 },
    'platform:tiktok': { errorRate: 0.3, minSamples: 5 },
    'action:publish': { errorRate: 0.25, minSamples: 20 },
  },
};

function setup(mode: 'record' | 'interval', extra: Partial<AutoTripMonitorOptions> = {}, config = specConfig) {
  const clock = createTestClock();
  const kit = createKillSwitchTestKit({ clock });
  kits.push(kit);
  const service = kit.service;
  const errors: { error: unknown; context: AutoTripErrorFields }[] = [];
  const monitor = createAutoTripMonitor({
    killSwitchService: service,
    clock,
    logger: {
      ...silentLogger,
      error: (fields) => {
        const { operation, target, clientId } = fields as unknown as AutoTripErrorFields;
        errors.push({ error: fields.err, context: { operation, target, clientId } });
      },
    },
    ...extra,
    config: { ...config, evaluateOn: mode },
  });
  monitors.push(monitor);
  /** What the spec's `vi.advanceTimersByTime(checkIntervalMs)` stands for: time moves, a pass runs. */
  const tick = async () => {
    clock.advance(10_000);
    await monitor.evaluate();
  };
  const record = (n: number, success: boolean, clientId = 'client_abc', target = 'platform:meta') => {
    for (let i = 0; i < n; i++) monitor.recordResult({ target, success, clientId });
  };
  return { clock, service, faults: kit.faults, monitor, errors, tick, record };
}

const monitors: AutoTripMonitor[] = [];
const kits: KillSwitchTestKit[] = [];
afterEach(async () => {
  for (const m of monitors.splice(0)) m.stop();
  for (const kit of kits.splice(0)) await kit.close();
});

describe('AutoTripMonitor: error rate tracking', () => {
  it('tracks errors per target', async () => {
    const { monitor } = setup('record');
    await monitor.recordResult({ target: 'platform:meta', success: false, clientId: 'client_abc' });
    await monitor.recordResult({ target: 'platform:meta', success: true, clientId: 'client_abc' });
    await monitor.recordResult({ target: 'platform:tiktok', success: true, clientId: 'client_abc' });
    expect(monitor.getStats('platform:meta')).toMatchObject({ errors: 1, total: 2, errorRate: 0.5 });
    expect(monitor.getStats('platform:tiktok')).toMatchObject({ errors: 0, total: 1, errorRate: 0 });
    expect(monitor.getStats('action:publish')).toMatchObject({ errors: 0, total: 0, errorRate: 0 });
  });

  it('sums clients without a clientId and separates them with one', () => {
    const { monitor, record } = setup('record');
    record(3, false, 'client_a');
    record(1, true, 'client_b');
    expect(monitor.getStats('platform:meta')).toMatchObject({ errors: 3, total: 4 });
    expect(monitor.getStats('platform:meta', 'client_a')).toMatchObject({ errors: 3, total: 3, errorRate: 1 });
    expect(monitor.getStats('platform:meta', 'client_b')).toMatchObject({ errors: 0, total: 1 });
    expect(monitor.getStats('platform:meta', 'client_z')).toMatchObject({ total: 0 });
  });

  it('expires old samples', () => {
    const { monitor, clock, record } = setup('record');
    record(1, false);
    clock.advance(61_000);
    const stats = monitor.getStats('platform:meta');
    expect(stats.total).toBe(0);
    expect(stats.windowEnd).toBe(clock.now());
    expect(stats.windowEnd - stats.windowStart).toBeLessThanOrEqual(60_000);
  });

  it('counts a result at its own timestamp, and ignores one older than the window', () => {
    const { monitor, clock } = setup('record');
    monitor.recordResult({ target: 'platform:meta', success: false, clientId: 'c1', timestamp: clock.now() - 120_000 });
    monitor.recordResult({ target: 'platform:meta', success: false, clientId: 'c1', timestamp: clock.now() - 20_000 });
    expect(monitor.getStats('platform:meta', 'c1').total).toBe(1);
    expect(monitor.counters().dropped).toBe(1);
  });
});

describe.each(['record', 'interval'] as const)('AutoTripMonitor: auto-trip behaviour (evaluateOn %s)', (mode) => {
  it('trips the client-scoped switch when the threshold is exceeded', async () => {
    const { service, record, tick } = setup(mode);
    record(8, false);
    record(2, true);
    await tick();

    const active = await service.listActive();
    expect(active).toHaveLength(1);
    const sw = active[0];
    expect(sw).toMatchObject({
      scope: 'client',
      clientId: 'client_abc',
      targetType: 'platform',
      targetValue: 'meta',
      activatedBy: 'system:auto_trip',
    });
    expect(sw?.reason).toContain('Auto-tripped');
    expect(sw?.reason).toContain('80%');
    const history = await service.getHistory(sw?.id ?? '');
    expect(history.filter((h) => h.action === 'activated')).toHaveLength(1);
    expect(history.at(-1)?.metadata).toMatchObject({
      errorRate: 0.8,
      threshold: 0.5,
      samples: 10,
      clientId: 'client_abc',
      windowMs: 60_000,
    });
    expect((await service.isTripped({ clientId: 'client_abc', action: 'publish', platform: 'meta' })).tripped).toBe(
      true,
    );
  });

  it('does not trip below min samples', async () => {
    const { service, record, tick } = setup(mode);
    record(5, false); // meta needs 10
    await tick();
    expect(await service.listActive()).toEqual([]);
    expect(await service.list()).toEqual([]);
  });

  it('does not trip when the error rate is below the threshold', async () => {
    const { service, record, tick } = setup(mode);
    record(2, false);
    record(8, true); // 20% < 50%
    await tick();
    expect(await service.listActive()).toEqual([]);
  });

  it('trips exactly at the threshold (inclusive), also for rates that are not exact in binary', async () => {
    const { service, record, tick } = setup(mode);
    // Successes first, so the rate reaches 0.3 (the tiktok threshold) only at the last record: 3/10.
    record(7, true, 'client_t', 'platform:tiktok');
    record(2, false, 'client_t', 'platform:tiktok');
    await tick();
    expect(await service.listActive()).toEqual([]); // 2/9 < 0.3
    record(1, false, 'client_t', 'platform:tiktok');
    await tick();
    expect((await service.listActive()).map((s) => s.targetValue)).toEqual(['tiktok']);
  });

  it('tracks per-client thresholds separately', async () => {
    const { service, record, tick } = setup(mode);
    record(10, false, 'client_a');
    record(10, true, 'client_b');
    await tick();
    const active = await service.listActive();
    expect(active.map((s) => [s.scope, s.clientId])).toEqual([['client', 'client_a']]);
    expect((await service.isTripped({ clientId: 'client_a', action: 'publish', platform: 'meta' })).tripped).toBe(true);
    expect((await service.isTripped({ clientId: 'client_b', action: 'publish', platform: 'meta' })).tripped).toBe(
      false,
    );
  });

  it('does not re-trip during cooldown, and may after it', async () => {
    const { service, record, tick, clock } = setup(mode);
    record(10, false);
    await tick();
    const [sw] = await service.listActive();
    expect(sw).toBeDefined();
    const id = sw?.id ?? '';
    // An operator turns it off; failures go on inside the cooldown.
    await service.deactivate({ id, reason: 'operator checked the platform', deactivatedBy: 'ops@example.com' });
    record(10, false);
    await tick();
    expect(await service.listActive()).toEqual([]);

    clock.advance(300_000); // past the 5-minute default cooldown
    record(10, false);
    await tick();
    expect((await service.listActive()).map((s) => s.id)).toEqual([id]);
    const activations = (await service.getHistory(id)).filter((h) => h.action === 'activated');
    expect(activations).toHaveLength(2);
  });

  it('trips action targets with an action switch', async () => {
    const { service, record, tick } = setup(mode);
    record(5, false, 'client_p', 'action:publish');
    record(15, true, 'client_p', 'action:publish'); // 25%
    await tick();
    const active = await service.listActive();
    expect(active.map((s) => [s.scope, s.targetType, s.targetValue, s.clientId])).toEqual([
      ['client', 'action', 'publish', 'client_p'],
    ]);
  });
});

describe('AutoTripMonitor: evaluate on record', () => {
  it('starts the trip at the deciding record, before any interval, and one burst activates once', async () => {
    const { service, monitor, record } = setup('record');
    const trips: boolean[] = [];
    const m = createAutoTripMonitor({
      killSwitchService: service,
      clock: createTestClock(),
      onTrip: (e) => trips.push(e.changed),
      config: specConfig,
    });
    monitors.push(m);
    for (let i = 0; i < 50; i++) m.recordResult({ target: 'platform:meta', success: false, clientId: 'burst' });
    await m.flush();
    expect(trips).toEqual([true]);
    const [sw] = await service.listActive();
    expect((await service.getHistory(sw?.id ?? '')).filter((h) => h.action === 'activated')).toHaveLength(1);
    // The other monitor saw nothing of it.
    record(1, false);
    await monitor.flush();
    expect(monitor.getStats('platform:meta', 'burst').total).toBe(0);
  });

  it('never throws a failed activation into recordResult: reports it, counts it, retries after retryAfterMs', async () => {
    const increments: string[] = [];
    const metrics: Metrics = { increment: (name) => increments.push(name), observe() {} };
    const { service, faults, monitor, record, clock, errors } = setup('record', { metrics });
    faults.failNextWrites(1);
    record(10, false);
    await monitor.flush();
    expect(await service.listActive()).toEqual([]);
    expect(errors.map((e) => e.context)).toEqual([
      { operation: 'activate', target: 'platform:meta', clientId: 'client_abc' },
    ]);
    expect(increments).toContain('auto_trip_failed_total');
    expect(monitor.counters().tripFailures).toBe(1);

    record(1, false); // still inside the retry delay
    await monitor.flush();
    expect(await service.listActive()).toEqual([]);
    clock.advance(5_000);
    record(1, false);
    await monitor.flush();
    expect((await service.listActive()).map((s) => s.clientId)).toEqual(['client_abc']);
    expect(increments).toContain('auto_trip_triggered_total');
  });

  it('an already active switch is not "changed" and opens no incident', async () => {
    const opened: unknown[] = [];
    const incidents = {
      open: async (input: unknown) => {
        opened.push(input);
        return { id: `inc_${opened.length}` } as never;
      },
    };
    const { service, monitor, record } = setup('record', { incidents });
    const sw = await service.ensure({
      scope: 'client',
      targetType: 'platform',
      targetValue: 'meta',
      clientId: 'client_abc',
      createdBy: 'ops',
    });
    await service.activate({ id: sw.id, reason: 'operator stopped meta for this client', activatedBy: 'ops' });
    record(10, false);
    await monitor.flush();
    expect(opened).toEqual([]);
    expect((await service.getById(sw.id)).activatedBy).toBe('ops');
  });
});

describe('AutoTripMonitor: timers', () => {
  it('start() runs the interval pass by itself', async () => {
    const { service, monitor, record } = setup('interval', {}, { ...specConfig, checkIntervalMs: 5 });
    record(10, false);
    expect(await service.listActive()).toEqual([]); // interval mode: nothing decided at record time
    monitor.start();
    monitor.start(); // idempotent
    const [sw] = await waitFor(
      async () => ((await service.listActive()).length > 0 ? service.listActive() : undefined),
      {
        what: 'the interval pass to trip the switch',
      },
    );
    expect(sw?.clientId).toBe('client_abc');
    monitor.stop();
  });
});

describe('AutoTripMonitor: aggregate threshold', () => {
  it('trips the global switch of the target when all clients together pass it', async () => {
    const { service, monitor, record } = setup(
      'record',
      {},
      {
        ...specConfig,
        thresholds: { 'platform:meta': { errorRate: 0.9, minSamples: 100 } },
        aggregateThresholds: { 'platform:meta': { errorRate: 0.5, minSamples: 20 } },
      },
    );
    for (let c = 0; c < 10; c++) {
      record(2, false, `client_${c}`);
      record(1, true, `client_${c}`);
    }
    await monitor.flush();
    const active = await service.listActive();
    expect(active.map((s) => [s.scope, s.clientId, s.targetType, s.targetValue])).toEqual([
      ['platform', null, 'platform', 'meta'],
    ]);
    expect((await service.isTripped({ clientId: 'client_new', action: 'x', platform: 'meta' })).tripped).toBe(true);
    const history = await service.getHistory(active[0]?.id ?? '');
    expect(history.at(-1)?.metadata).toMatchObject({ clientId: null, samples: 20 });
  });
});

describe('AutoTripMonitor: latency and cost spikes', () => {
  const spikeConfig: AutoTripMonitorConfig = {
    windowMs: 60_000,
    checkIntervalMs: 10_000,
    thresholds: {
      'platform:meta': { errorRate: 1, minSamples: 1_000, latencyMultiplier: 3, costMultiplier: 4, spikeMinSamples: 5 },
    },
  };

  it('trips when the latest bucket is slower than the multiplier times the baseline', async () => {
    const { service, monitor, clock } = setup('record', {}, spikeConfig);
    for (let i = 0; i < 20; i++) {
      monitor.recordResult({ target: 'platform:meta', success: true, clientId: 'c', latencyMs: 100 });
    }
    clock.advance(6_000); // next bucket
    for (let i = 0; i < 4; i++) {
      monitor.recordResult({ target: 'platform:meta', success: true, clientId: 'c', latencyMs: 1_000 });
    }
    await monitor.flush();
    expect(await service.listActive()).toEqual([]); // 4 < spikeMinSamples
    monitor.recordResult({ target: 'platform:meta', success: true, clientId: 'c', latencyMs: 1_000 });
    await monitor.flush();
    const [sw] = await service.listActive();
    expect(sw?.reason).toMatch(/mean latency 1000ms .* > 3x the baseline 100ms/);
    expect((await service.getHistory(sw?.id ?? '')).at(-1)?.metadata).toMatchObject({
      trigger: 'latency',
      observed: 1_000,
      baseline: 100,
      threshold: 3,
    });
  });

  it('does not trip on a rise under the multiplier, and trips on a cost spike', async () => {
    const { service, monitor, clock } = setup('record', {}, spikeConfig);
    for (let i = 0; i < 10; i++) {
      monitor.recordResult({ target: 'platform:meta', success: true, clientId: 'c', latencyMs: 100, costCents: 1 });
    }
    clock.advance(6_000);
    for (let i = 0; i < 10; i++) {
      monitor.recordResult({ target: 'platform:meta', success: true, clientId: 'c', latencyMs: 250, costCents: 3 });
    }
    await monitor.flush();
    expect(await service.listActive()).toEqual([]);
    for (let i = 0; i < 10; i++) {
      monitor.recordResult({ target: 'platform:meta', success: true, clientId: 'c', latencyMs: 250, costCents: 20 });
    }
    await monitor.flush();
    const [sw] = await service.listActive();
    expect(sw?.reason).toContain('mean cost per call');
  });
});

describe('AutoTripMonitor: input validation', () => {
  const bad: [string, Record<string, unknown>][] = [
    ['target', { target: 'meta', success: false, clientId: 'c' }],
    ['target', { target: 'platform:', success: false, clientId: 'c' }],
    ['target', { target: 'service:meta', success: false, clientId: 'c' }],
    ['target', { target: 42, success: false, clientId: 'c' }],
    ['success', { target: 'platform:meta', success: 'false', clientId: 'c' }],
    ['clientId', { target: 'platform:meta', success: false }],
    ['clientId', { target: 'platform:meta', success: false, clientId: '' }],
    ['clientId', { target: 'platform:meta', success: false, clientId: 'has space' }],
    ['clientId', { target: 'platform:meta', success: false, clientId: 'x'.repeat(101) }],
    ['latencyMs', { target: 'platform:meta', success: false, clientId: 'c', latencyMs: Number.NaN }],
    ['latencyMs', { target: 'platform:meta', success: false, clientId: 'c', latencyMs: Number.POSITIVE_INFINITY }],
    ['costCents', { target: 'platform:meta', success: false, clientId: 'c', costCents: -1 }],
    ['timestamp', { target: 'platform:meta', success: false, clientId: 'c', timestamp: '2025-01-01' }],
  ];

  it.each(bad)('refuses a bad %s with a ValidationError naming it, and counts nothing', (field, input) => {
    const { monitor } = setup('record');
    let caught: unknown;
    try {
      monitor.recordResult(input as never);
    } catch (error) {
      caught = error;
    }
    expect(isValidationError(caught)).toBe(true);
    const error = caught as { message: string; issues: { field: string }[] };
    expect(error.issues[0]?.field).toBe(field);
    expect(error.message).toContain(field);
    expect(monitor.getStats('platform:meta').total).toBe(0);
    expect(monitor.trackedKeys()).toBe(0);
    expect(monitor.counters().records).toBe(0);
  });

  it('rejects when awaited, as the specification awaits it', async () => {
    const { monitor } = setup('record');
    await expect(
      (async () => monitor.recordResult({ target: 'nope', success: true, clientId: 'c' }))(),
    ).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it('counts a target without a configured threshold but never trips it', async () => {
    const { monitor, service, record } = setup('record');
    record(50, false, 'c', 'platform:linkedin');
    await monitor.evaluate();
    expect(monitor.getStats('platform:linkedin')).toMatchObject({ total: 50, errors: 50 });
    expect(await service.list()).toEqual([]);
  });

  it('refuses a bad configuration, naming the option', () => {
    const kit = createKillSwitchTestKit();
    kits.push(kit);
    const service = kit.service;
    const make = (config: unknown) => () =>
      createAutoTripMonitor({ killSwitchService: service, config: config as AutoTripMonitorConfig });
    expect(make({ ...specConfig, windowMs: 0 })).toThrow(/config\.windowMs/);
    expect(make({ ...specConfig, thresholds: { meta: { errorRate: 0.5, minSamples: 1 } } })).toThrow(
      /config\.thresholds/,
    );
    expect(make({ ...specConfig, thresholds: { 'platform:meta': { errorRate: 1.5, minSamples: 1 } } })).toThrow(
      /errorRate must be at most 1/,
    );
    expect(make({ ...specConfig, evaluateOn: 'often' })).toThrow(/evaluateOn/);
    expect(make({ ...specConfig, unknownOption: 1 })).toThrow(/unknownOption/);
  });
});

describe('AutoTripMonitor: bounded memory', () => {
  it('keeps tracked keys at the cap with a million distinct clients, evicting the least recently used', async () => {
    const { monitor } = setup('record', {}, { ...specConfig, maxTrackedKeys: 1_000 });
    // A client seen at the start and kept warm survives; the cold crowd does not.
    for (let i = 0; i < 1_000_000; i++) {
      monitor.recordResult({ target: 'platform:meta', success: true, clientId: `c${i}` });
      if (i % 500 === 0) monitor.recordResult({ target: 'platform:meta', success: true, clientId: 'warm' });
    }
    expect(monitor.trackedKeys()).toBe(1_000);
    expect(monitor.getStats('platform:meta', 'warm').total).toBeGreaterThan(0);
    expect(monitor.getStats('platform:meta', 'c0').total).toBe(0);
    expect(monitor.getStats('platform:meta', 'c999999').total).toBe(1);
    expect(monitor.counters().evictions).toBeGreaterThanOrEqual(1_000_000 - 1_000);
    // Evicted clients still count in the target's sum.
    expect(monitor.getStats('platform:meta').total).toBe(1_000_000 + 2_000);
  });

  it('drops idle keys and the targets they held', () => {
    const { monitor, clock, record } = setup('record', {}, { ...specConfig, cooldownMs: 60_000 });
    record(1, true, 'a', 'platform:linkedin');
    record(1, true, 'b', 'platform:meta');
    clock.advance(61_000);
    record(1, true, 'c', 'platform:meta'); // a new key sweeps the idle tail
    expect(monitor.trackedKeys()).toBe(1);
    expect(monitor.getStats('platform:linkedin').total).toBe(0);
  });
});

describe('AutoTripMonitor: storms', () => {
  it('trips every client of one evaluation pass in ONE transaction (activateMany): one version, one activation each', async () => {
    const { service, monitor, record } = setup('interval');
    const clients = Array.from({ length: 40 }, (_, i) => `storm_${i}`);
    for (const clientId of clients) record(20, false, clientId);
    await service.ready();
    const before = service.checkStats().snapshotVersion;
    await monitor.evaluate();
    const active = await service.listActive();
    expect(active.map((s) => s.clientId).sort()).toEqual([...clients].sort());
    // One version bump for the 40 activations: they committed together.
    expect(service.checkStats().snapshotVersion).toBe(before + 1);
    for (const sw of active) {
      expect((await service.getHistory(sw.id)).map((h) => h.action)).toEqual(['created', 'activated']);
    }
    expect(monitor.counters()).toMatchObject({ trips: 40, tripFailures: 0 });
  });
});
