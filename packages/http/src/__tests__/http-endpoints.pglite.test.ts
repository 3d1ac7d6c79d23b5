/**
 * The endpoint helpers under node:http, on a real service (PGlite, the
 * Postgres audit emitter): /healthz answers 200 while the state is fresh and
 * 503 once the database is gone past maxStalenessMs; /metrics carries the
 * check counters, the histogram and the gauges with the values of the checks made.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAuditEmitter } from '@rtv/audit';
import { type DbHandle, migrate } from '@rtv/db';
import { createEmbeddedDb } from '@rtv/db/pglite';
import { type KillSwitchService, createKillSwitchService } from '@rtv/policy';
import { Registry, register } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HealthBody,
  type NodeHandler,
  createHealthHandler,
  createMetricsHandler,
  createPromMetrics,
  healthResponse,
  metricsResponse,
  registerKillSwitchMetrics,
} from '../index';

interface Stack {
  handle: DbHandle;
  service: KillSwitchService;
  registry: Registry;
  base: string;
  stop(): Promise<void>;
}

/** A service on its own PGlite, served by node:http with both endpoints mounted. */
async function startStack(): Promise<Stack> {
  const handle = await createEmbeddedDb();
  await migrate(handle.db);
  const registry = new Registry();
  const service = createKillSwitchService({
    db: handle.db,
    audit: createAuditEmitter({ db: handle.db }),
    metrics: createPromMetrics(registry),
    sweepIntervalMs: 0,
    pollIntervalMs: 20,
    sourcePollIntervalMs: 20,
    operationTimeoutMs: 100,
    maxStalenessMs: 250,
  });
  await service.ready();
  registerKillSwitchMetrics(registry, { service });
  const routes: Record<string, NodeHandler> = {
    '/healthz': createHealthHandler(service),
    '/metrics': createMetricsHandler(registry),
  };
  const server: Server = createServer((req, res) => {
    const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
    if (route) route(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let dbClosed = false;
  return {
    handle,
    service,
    registry,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await service.close();
      if (!dbClosed) {
        dbClosed = true;
        await handle.close().catch(() => {});
      }
    },
  };
}

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.stop();
});

/** The value of one sample line, e.g. `kill_switch_checks_total` or `kill_switch_active_switches{scope="platform"}`. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

describe('/healthz', () => {
  it('answers 200 with the components while the state is fresh', async () => {
    const response = await fetch(`${stack.base}/healthz`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const body = (await response.json()) as HealthBody;
    expect(body.status).toBe('operational');
    expect(body.components.kill_switch).toEqual({ status: 'operational' });
    expect(body.components.postgres.status).toBe('operational');
    expect(body.components.snapshot.version).toBeGreaterThanOrEqual(0);
  });

  it('answers 503 naming the failed store once the database is gone past maxStalenessMs', async () => {
    const own = await startStack();
    await own.handle.close();
    let response = await fetch(`${own.base}/healthz`);
    // Poll by condition, not by time: the state turns stale once maxStalenessMs passes without confirmation.
    for (let i = 0; i < 100 && response.status === 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      response = await fetch(`${own.base}/healthz`);
    }
    await own.stop();
    expect(response.status).toBe(503);
    const body = (await response.json()) as HealthBody;
    expect(body.status).toBe('failed');
    expect(body.components.kill_switch.status).toBe('failed');
    expect(body.components.kill_switch.details).toMatch(/postgres failed/);
    expect(body.components.postgres.status).toBe('failed');
  });

  it('refuses methods other than GET and HEAD', async () => {
    const response = await fetch(`${stack.base}/healthz`, { method: 'POST' });
    expect(response.status).toBe(405);
  });

  it('healthResponse works without a framework', async () => {
    const response = await healthResponse(stack.service);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body).status).toBe('operational');
    const failing = await healthResponse({
      health: async () => {
        throw new Error('boom');
      },
    });
    expect(failing.status).toBe(503);
    expect(JSON.parse(failing.body).components.kill_switch).toEqual({ status: 'failed', details: 'boom' });
  });
});

describe('/metrics', () => {
  it('exposes the check counters, the latency histogram and the gauges after some checks', async () => {
    const { service } = stack;
    const platform = await service.create({
      scope: 'platform',
      targetType: 'platform',
      targetValue: 'meta',
      createdBy: 'tester',
    });
    await service.activate({ id: platform.id, reason: 'meta is failing for everyone', activatedBy: 'tester' });
    for (let i = 0; i < 7; i++)
      await service.isTripped({ clientId: 'client_a', action: 'publish', platform: 'tiktok' });
    for (let i = 0; i < 3; i++) await service.isTripped({ clientId: 'client_a', action: 'publish', platform: 'meta' });
    // 128 checks in all: the histogram times one in 64, so it holds two.
    for (let i = 0; i < 118; i++) service.check({ clientId: 'client_b', action: 'publish', platform: 'tiktok' });

    const response = await fetch(`${stack.base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('# TYPE kill_switch_checks_total counter');
    expect(sample(text, 'kill_switch_checks_total')).toBe(128);
    expect(sample(text, 'kill_switch_checks_tripped_total')).toBe(3);
    expect(sample(text, 'kill_switch_checks_failed_closed_total')).toBe(0);
    expect(text).toContain('# TYPE kill_switch_check_duration_seconds histogram');
    expect(text).toMatch(/# HELP kill_switch_check_duration_seconds Duration of a sample of kill-switch checks/);
    expect(sample(text, 'kill_switch_check_duration_seconds_bucket{le="+Inf"}')).toBe(2);
    expect(sample(text, 'kill_switch_check_duration_seconds_count')).toBe(2);
    expect(sample(text, 'kill_switch_check_duration_seconds_sum')).toBeGreaterThan(0);
    // Buckets are cumulative: never decreasing up to +Inf.
    const buckets = text
      .split('\n')
      .filter((line) => line.startsWith('kill_switch_check_duration_seconds_bucket'))
      .map((line) => Number(line.split(' ')[1]));
    expect(buckets.length).toBeGreaterThan(2);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    expect(sample(text, 'kill_switch_active_switches{scope="platform"}')).toBe(1);
    expect(sample(text, 'kill_switch_active_switches{scope="global"}')).toBe(0);
    expect(sample(text, 'kill_switch_snapshot_version')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'kill_switch_snapshot_age_seconds')).toBeGreaterThanOrEqual(0);
    // Rare events from the service went through the prom-client Metrics port.
    expect(sample(text, 'kill_switch_activations_total{scope="platform"}')).toBe(1);
    expect(sample(text, 'kill_switch_created_total{scope="platform"}')).toBe(1);
  });

  it('adds auto-trips and open incidents when their sources are given', async () => {
    const extra = new Registry();
    registerKillSwitchMetrics(extra, {
      service: stack.service,
      monitor: { counters: () => ({ trips: 4, tripFailures: 1 }) },
      incidents: { listIncidents: async () => [{}, {}] },
    });
    const response = await metricsResponse(extra);
    expect(sample(response.body, 'kill_switch_auto_trips_total')).toBe(4);
    expect(sample(response.body, 'kill_switch_auto_trip_failures_total')).toBe(1);
    expect(sample(response.body, 'kill_switch_incidents_open')).toBe(2);
  });

  it('adds the fleet gauges from service.fleet, and the receipt histograms through the metrics port', async () => {
    const extra = new Registry();
    registerKillSwitchMetrics(extra, { service: stack.service, fleet: stack.service.fleet });
    let response = await metricsResponse(extra);
    expect(sample(response.body, 'kill_switch_fleet_instances_seen')).toBe(1);
    expect(sample(response.body, 'kill_switch_fleet_instances_lost')).toBe(0);
    const halts = (body: string) => sample(body, 'kill_switch_time_to_halt_seconds_count') ?? 0;
    // The receipt of the earlier test's activation first, so it is in the count before, not after.
    await stack.service.fleet.awaitReceipt();
    const before = halts((await metricsResponse(stack.registry)).body);
    const row = await stack.service.create({
      scope: 'action',
      targetType: 'action',
      targetValue: 'fleet_m',
      createdBy: 'ops',
    });
    await stack.service.activate({ id: row.id, reason: 'metrics of a receipt', activatedBy: 'ops' });
    await stack.service.fleet.awaitReceipt();
    response = await metricsResponse(stack.registry);
    expect(halts(response.body)).toBe(before + 1);
    expect(sample(response.body, 'kill_switch_receipts_total{complete="true"}')).toBeGreaterThanOrEqual(1);
  });

  it('serves the histogram as JSON too (prom-client 14 reads get() for both formats)', async () => {
    const json = await stack.registry.getMetricsAsJSON();
    const histogram = json.find((metric) => metric.name === 'kill_switch_check_duration_seconds');
    const inf = histogram?.values.find((value) => value.labels.le === '+Inf');
    expect(inf?.value).toBe(stack.service.checkStats().sampledChecks);
  });

  it("registers on prom-client's default registry when none is given", async () => {
    register.clear();
    try {
      registerKillSwitchMetrics({ service: stack.service });
      const response = await metricsResponse();
      expect(sample(response.body, 'kill_switch_checks_total')).toBe(stack.service.checkStats().checks);
    } finally {
      register.clear();
    }
  });
});

describe('createPromMetrics', () => {
  it('creates counters and histograms on first use and never throws on a bad name', async () => {
    const own = new Registry();
    const metrics = createPromMetrics(own);
    metrics.increment('auto_trip_triggered_total', { target: 'platform:meta', changed: 'true' });
    metrics.increment('auto_trip_triggered_total', { target: 'platform:meta', changed: 'true' }, 2);
    metrics.observe('kill_switch_write_seconds', 0.02);
    expect(() => metrics.increment('not a metric name')).not.toThrow();
    const text = await own.metrics();
    expect(sample(text, 'auto_trip_triggered_total{target="platform:meta",changed="true"}')).toBe(3);
    expect(sample(text, 'kill_switch_write_seconds_count')).toBe(1);
    expect(text).not.toContain('not a metric name');
  });
});
