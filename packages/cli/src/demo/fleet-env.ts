/**
 * The fleet options of a demo worker process: named after its role, with a
 * heartbeat and TTL a test may shorten (RTV_FLEET_HEARTBEAT_MS,
 * RTV_FLEET_TTL_MS) to see a killed worker leave the registry quickly.
 */
import type { FleetOptions } from '@rtv/policy';

const positive = (raw: string | undefined): number | undefined => {
  const value = raw === undefined ? Number.NaN : Number(raw);
  return Number.isInteger(value) && value > 0 ? value : undefined;
};

export function fleetOptionsFromEnv(serviceName: string, env: NodeJS.ProcessEnv): FleetOptions {
  const heartbeatIntervalMs = positive(env.RTV_FLEET_HEARTBEAT_MS);
  const instanceTtlMs = positive(env.RTV_FLEET_TTL_MS);
  return {
    serviceName,
    ...(heartbeatIntervalMs === undefined ? {} : { heartbeatIntervalMs }),
    ...(instanceTtlMs === undefined ? {} : { instanceTtlMs }),
  };
}
