/**
 * The policy package's `Metrics` port on prom-client, for rare events
 * (writes, trips, sync failures). Metrics are created on first use; label
 * names are fixed by that first call (prom-client requires it). Never throws:
 * a metrics problem must not fail a write.
 */
import { type Logger, type Metrics, silentLogger } from '@rtv/policy';
import { Counter, Histogram, type Registry, register } from 'prom-client';

const VALID_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const VALID_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Entry<M> {
  metric: M;
  labelNames: string[];
}

function labelsFor(known: readonly string[], labels: Record<string, string> | undefined): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of known) values[name] = labels?.[name] ?? '';
  return values;
}

/** `registry` defaults to prom-client's default registry (the application's copy: prom-client is a peer). */
export function createPromMetrics(
  registry: Registry = register,
  options: { /** Told when a metric cannot be recorded. @default silent */ logger?: Logger } = {},
): Metrics {
  const counters = new Map<string, Entry<Counter<string>> | null>();
  const histograms = new Map<string, Entry<Histogram<string>> | null>();
  const logger = options.logger ?? silentLogger;
  const report = (error: unknown) =>
    logger.warn(
      { err: error instanceof Error ? error.message : String(error) },
      'kill-switch metric could not be recorded',
    );

  function entry<M extends Counter<string> | Histogram<string>>(
    cache: Map<string, Entry<M> | null>,
    name: string,
    labels: Record<string, string> | undefined,
    make: (labelNames: string[]) => M,
  ): Entry<M> | null {
    const cached = cache.get(name);
    if (cached !== undefined) return cached;
    const labelNames = Object.keys(labels ?? {}).filter((label) => VALID_LABEL.test(label));
    // A bad name, or one already registered by someone else: counted nowhere rather than thrown into a write.
    const created =
      VALID_NAME.test(name) && registry.getSingleMetric(name) === undefined
        ? { metric: make(labelNames), labelNames }
        : null;
    cache.set(name, created);
    return created;
  }

  return {
    increment(name, labels, value = 1) {
      try {
        const found = entry(
          counters,
          name,
          labels,
          (labelNames) => new Counter({ name, help: `${name} (rare event)`, labelNames, registers: [registry] }),
        );
        found?.metric.inc(labelsFor(found.labelNames, labels), value);
      } catch (error) {
        report(error);
      }
    },
    observe(name, value, labels) {
      try {
        const found = entry(
          histograms,
          name,
          labels,
          (labelNames) => new Histogram({ name, help: `${name} (rare event)`, labelNames, registers: [registry] }),
        );
        found?.metric.observe(labelsFor(found.labelNames, labels), value);
      } catch (error) {
        report(error);
      }
    },
  };
}
