/**
 * The kill-switch metrics, read at scrape time: the check path only bumps
 * plain counters (`service.checkStats()`), and these collectors copy them
 * into prom-client when Prometheus asks. No registry look-up ever happens per
 * check. Optional sources add auto-trips (a monitor's counters) and open
 * incidents (an incident service).
 */
import type { CheckStats, KillSwitchScope } from '@rtv/policy';
import { Counter, Gauge, Histogram, type Registry, register } from 'prom-client';

/** What is read from the monitor: its plain counters (structural, so any monitor version fits). */
export interface AutoTripCountersSource {
  counters(): { trips: number; tripFailures?: number };
}

/** What is read from the incident service: unresolved incidents. */
export interface OpenIncidentsSource {
  listIncidents(filter: { status: ('open' | 'acknowledged')[]; limit: number }): Promise<readonly unknown[]>;
}

/** What is read from the fleet registry: each instance's state (`service.fleet` fits). */
export interface FleetInstancesSource {
  instances(): Promise<readonly { state: string }[]>;
}

export interface KillSwitchMetricsOptions {
  service: { checkStats(): CheckStats };
  /** Adds `kill_switch_auto_trips_total` and `kill_switch_auto_trip_failures_total`. */
  monitor?: AutoTripCountersSource;
  /** Adds `kill_switch_incidents_open` (open or acknowledged, read per scrape, capped at 1000). */
  incidents?: OpenIncidentsSource;
  /**
   * Adds `kill_switch_fleet_instances_seen` (live instances) and `kill_switch_fleet_instances_lost`
   * (silent past their TTL), read from the registry per scrape: pass `service.fleet`.
   */
  fleet?: FleetInstancesSource;
  /** Metric name prefix. @default 'kill_switch_' */
  prefix?: string;
}

const SCOPES: readonly KillSwitchScope[] = ['global', 'client', 'platform', 'action'];

type HistogramData = Awaited<ReturnType<Histogram<string>['get']>>;

/**
 * A histogram whose buckets are the service's own cumulative counts, copied
 * at scrape time. prom-client 15 reads `getForPromString()` for the text
 * format and `get()` for JSON; prom-client 14 reads `get()` for both. Both
 * are replaced, so the same class serves either version of the peer.
 */
class CheckDurationHistogram extends Histogram<string> {
  constructor(
    private readonly metricName: string,
    private readonly help: string,
    private readonly stats: () => CheckStats,
    registry: Registry,
  ) {
    super({ name: metricName, help, buckets: [1], registers: [] });
    registry.registerMetric(this);
  }

  override async get(): Promise<HistogramData> {
    return this.read();
  }

  // Not in the typings, but what prom-client 15 calls for the text format.
  async getForPromString(): Promise<HistogramData> {
    return this.read();
  }

  private read(): HistogramData {
    const stats = this.stats();
    const values: HistogramData['values'] = [];
    stats.durationBucketsMs.forEach((boundMs, i) => {
      values.push({
        metricName: `${this.metricName}_bucket`,
        labels: { le: boundMs / 1000 },
        value: stats.durationCounts[i] ?? 0,
      });
    });
    // The histogram counts the timed sample; kill_switch_checks_total counts every check.
    values.push({ metricName: `${this.metricName}_bucket`, labels: { le: '+Inf' }, value: stats.sampledChecks });
    values.push({ metricName: `${this.metricName}_sum`, labels: {}, value: stats.durationSumMs / 1000 });
    values.push({ metricName: `${this.metricName}_count`, labels: {}, value: stats.sampledChecks });
    return {
      name: this.metricName,
      help: this.help,
      // prom-client's typings say an enum; the registry writes this string into `# TYPE`.
      type: 'histogram' as unknown as HistogramData['type'],
      aggregator: 'sum',
      values,
    } as HistogramData;
  }
}

/**
 * Registers the kill-switch metrics on `registry`, or on prom-client's
 * default registry (the application's own copy of prom-client, a peer
 * dependency) when only the options are given. Call once per registry;
 * serve it with `createMetricsHandler(registry)`.
 */
export function registerKillSwitchMetrics(options: KillSwitchMetricsOptions): void;
export function registerKillSwitchMetrics(registry: Registry, options: KillSwitchMetricsOptions): void;
export function registerKillSwitchMetrics(
  registryOrOptions: Registry | KillSwitchMetricsOptions,
  maybeOptions?: KillSwitchMetricsOptions,
): void {
  const registry = maybeOptions ? (registryOrOptions as Registry) : register;
  const options = maybeOptions ?? (registryOrOptions as KillSwitchMetricsOptions);
  const prefix = options.prefix ?? 'kill_switch_';
  // One stats read per scrape, shared by every collector of that scrape.
  let cached: { at: number; stats: CheckStats } | undefined;
  const stats = (): CheckStats => {
    const now = Date.now();
    if (!cached || now - cached.at > 100) cached = { at: now, stats: options.service.checkStats() };
    return cached.stats;
  };
  const counterFrom = (name: string, help: string, read: () => number) =>
    new Counter({
      name: `${prefix}${name}`,
      help,
      registers: [registry],
      collect() {
        // The source is already a running total: mirror it.
        this.reset();
        this.inc(read());
      },
    });
  const gaugeFrom = (name: string, help: string, read: () => number) =>
    new Gauge({
      name: `${prefix}${name}`,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });

  counterFrom('checks_total', 'Kill-switch checks answered by this instance', () => stats().checks);
  counterFrom(
    'checks_tripped_total',
    'Checks answered "tripped" (a switch matched, or the state was unavailable and failing closed)',
    () => stats().tripped,
  );
  counterFrom(
    'checks_failed_closed_total',
    'Checks answered "tripped" because the state could not be confirmed (failing closed)',
    () => stats().failedClosed,
  );
  new CheckDurationHistogram(
    `${prefix}check_duration_seconds`,
    'Duration of a sample of kill-switch checks (one in 64, every one with timeEachCheck), in seconds; kill_switch_checks_total counts them all',
    stats,
    registry,
  );
  gaugeFrom(
    'snapshot_age_seconds',
    'Seconds since this instance last confirmed its kill-switch state',
    () => stats().snapshotAgeMs / 1000,
  );
  gaugeFrom('snapshot_version', 'Version of the kill-switch state this instance holds', () => stats().snapshotVersion);
  new Gauge({
    name: `${prefix}active_switches`,
    help: 'Active kill switches in this instance snapshot, by scope',
    labelNames: ['scope'],
    registers: [registry],
    collect() {
      const byScope = stats().activeByScope;
      for (const scope of SCOPES) this.set({ scope }, byScope[scope] ?? 0);
    },
  });

  const monitor = options.monitor;
  if (monitor) {
    counterFrom('auto_trips_total', 'Switches tripped by the auto-trip monitor', () => monitor.counters().trips);
    counterFrom(
      'auto_trip_failures_total',
      'Auto-trips that failed to activate their switch',
      () => monitor.counters().tripFailures ?? 0,
    );
  }
  if (options.fleet) registerFleetGauges(registry, prefix, options.fleet);
  const incidents = options.incidents;
  if (incidents) {
    new Gauge({
      name: `${prefix}incidents_open`,
      help: 'Unresolved incidents (open or acknowledged)',
      registers: [registry],
      async collect() {
        try {
          const open = await incidents.listIncidents({ status: ['open', 'acknowledged'], limit: 1000 });
          this.set(open.length);
        } catch {
          // A scrape must not fail because the database is down: the health endpoint says that.
          this.reset();
        }
      },
    });
  }
}

/** Both gauges from one registry read per scrape; a registry that does not answer leaves them unset. */
function registerFleetGauges(registry: Registry, prefix: string, fleet: FleetInstancesSource): void {
  let read: Promise<{ seen: number; lost: number } | undefined> | undefined;
  let readAt = 0;
  const counts = () => {
    const now = Date.now();
    if (!read || now - readAt > 100) {
      readAt = now;
      read = fleet.instances().then(
        (instances) => {
          const lost = instances.filter((i) => i.state === 'lost').length;
          return { seen: instances.length - lost, lost };
        },
        () => undefined,
      );
    }
    return read;
  };
  const gauge = (name: string, help: string, pick: (c: { seen: number; lost: number }) => number) =>
    new Gauge({
      name: `${prefix}${name}`,
      help,
      registers: [registry],
      async collect() {
        const read = await counts();
        if (read) this.set(pick(read));
        else this.reset();
      },
    });
  gauge('fleet_instances_seen', 'Service instances heartbeating in the fleet registry (live)', (c) => c.seen);
  gauge(
    'fleet_instances_lost',
    'Service instances silent past their TTL (lost), still listed in the registry',
    (c) => c.lost,
  );
}
