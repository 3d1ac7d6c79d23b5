/**
 * `/metrics`: the registry in Prometheus text format. The kill-switch
 * gauges are filled by collectors at scrape time (see kill-switch-metrics.ts),
 * so serving this costs nothing between scrapes.
 */
import type { Registry } from 'prom-client';
import { type HttpResponse, type NodeHandler, nodeHandler } from './http-response';

export async function metricsResponse(registry: Registry): Promise<HttpResponse> {
  const body = await registry.metrics();
  return { status: 200, headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' }, body };
}

/** `(req, res)` handler for `/metrics`. */
export function createMetricsHandler(registry: Registry): NodeHandler {
  return nodeHandler(() => metricsResponse(registry));
}
