/**
 * Public API of `@rtv/cli` for services: the `/healthz` and `/metrics`
 * helpers and the prom-client `Metrics` port. The CLI itself is the `rtv-ks`
 * binary (src/cli.ts), not an export.
 */
export { createHealthHandler, healthResponse, type HealthBody } from './http/health-handler';
export { createMetricsHandler, metricsResponse } from './http/metrics-handler';
export { sendResponse, type HttpResponse, type NodeHandler } from './http/http-response';
export { createPromMetrics } from './http/prom-metrics';
export {
  registerKillSwitchMetrics,
  type AutoTripCountersSource,
  type KillSwitchMetricsOptions,
  type OpenIncidentsSource,
} from './http/kill-switch-metrics';
export { runCli } from './program';
export { ExitCode, type ExitCodeValue } from './exit-codes';
