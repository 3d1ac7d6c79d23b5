/**
 * `/metrics`: the registry in Prometheus text format. The kill-switch
 * gauges are filled by collectors at scrape time (see kill-switch-metrics.ts),
 * so serving this costs nothing between scrapes.
 */
import { type Registry, register } from 'prom-client';
import { type HttpResponse, type NodeHandler, nodeHandler } from './http-response';

/** `registry` defaults to prom-client's default registry (the application's copy: prom-client is a peer). */
export async function metricsResponse(registry: Registry = register): Promise<HttpResponse> {
  const body = await registry.metrics();
  return { status: 200, headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' }, body };
}

/** `(req, res)` handler for `/metrics`. */
export function createMetricsHandler(registry: Registry = register): NodeHandler {
  return nodeHandler(() => metricsResponse(registry));
}
