/**
 * Public API of `@rtv/http`: what a service mounts next to its kill-switch
 * service, the `/healthz` and `/metrics` helpers and the prom-client
 * `Metrics` port. prom-client is a peer dependency: metrics land on the
 * registry you pass, or on your default registry, never on a private copy.
 */
export { createHealthHandler, healthResponse, type HealthBody } from './health-handler';
export { createMetricsHandler, metricsResponse } from './metrics-handler';
export { sendResponse, type HttpResponse, type NodeHandler } from './http-response';
export { createPromMetrics } from './prom-metrics';
export {
  registerKillSwitchMetrics,
  type AutoTripCountersSource,
  type FleetInstancesSource,
  type KillSwitchMetricsOptions,
  type OpenIncidentsSource,
} from './kill-switch-metrics';
