/**
 * `/healthz`: readiness from `service.health()`. 200 while the service can
 * answer checks truthfully (operational or degraded), 503 when it cannot
 * (failed: checks are failing by policy), with the components in the body so
 * a probe's log says which store is down, as the failover runbook expects.
 */
import type { ComponentStatus, HealthReport, KillSwitchService } from '@rtv/policy';
import { type HttpResponse, type NodeHandler, nodeHandler } from './http-response';

export interface HealthBody {
  status: ComponentStatus;
  checkedAt: string;
  components: HealthReport['components'] & {
    /** The summary the runbook's probes read: the service's overall status and, when not operational, why. */
    kill_switch: { status: ComponentStatus; details?: string };
  };
}

const HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

function why(report: HealthReport): string | undefined {
  const { postgres, redis, snapshot } = report.components;
  const problems: string[] = [];
  if (postgres.status !== 'operational') problems.push(`postgres ${postgres.status}: ${postgres.error ?? 'slow'}`);
  if (redis.status !== 'operational') problems.push(`redis ${redis.status}: ${redis.error ?? 'slow'}`);
  if (snapshot.status !== 'operational') {
    problems.push(`snapshot ${snapshot.status}: not confirmed for ${Math.round(snapshot.ageMs / 1000)}s`);
  }
  return problems.length > 0 ? problems.join('; ') : undefined;
}

export async function healthResponse(
  service: Pick<KillSwitchService, 'health'>,
  now: () => number = Date.now,
): Promise<HttpResponse> {
  let report: HealthReport;
  try {
    report = await service.health();
  } catch (error) {
    // health() is not meant to throw; if it does, the instance cannot vouch for its state.
    const message = error instanceof Error ? error.message : String(error);
    return {
      status: 503,
      headers: HEADERS,
      body: JSON.stringify({
        status: 'failed',
        checkedAt: new Date(now()).toISOString(),
        components: { kill_switch: { status: 'failed', details: message } },
      }),
    };
  }
  const details = why(report);
  const body: HealthBody = {
    status: report.status,
    checkedAt: new Date(now()).toISOString(),
    components: {
      kill_switch: details ? { status: report.status, details } : { status: report.status },
      ...report.components,
    },
  };
  return { status: report.status === 'failed' ? 503 : 200, headers: HEADERS, body: JSON.stringify(body) };
}

/** `(req, res)` handler for `/healthz`. */
export function createHealthHandler(service: Pick<KillSwitchService, 'health'>): NodeHandler {
  return nodeHandler(() => healthResponse(service));
}
