/**
 * The fleet options of a service (registry, heartbeats, receipts), validated
 * with the others: a wrong one is a `ValidationError` naming `fleet.<option>`.
 */
import { z } from 'zod';

const HOUR_MS = 60 * 60 * 1000;

export interface FleetOptions {
  /** How this instance is named in `rtv-ks fleet` and receipts. @default 'service' */
  serviceName?: string;
  /** Register and heartbeat in the fleet registry; off for tools that only write (the CLI). @default true */
  register?: boolean;
  /** How often the instance rewrites its registry record (it also writes at once on each applied version). 100 ms to 1 hour. @default 5000 */
  heartbeatIntervalMs?: number;
  /** Without a heartbeat this long, the instance counts as lost. Longer than `heartbeatIntervalMs`. @default 15000 */
  instanceTtlMs?: number;
  /** How long, after each change this instance writes, to gather acknowledgements for its receipt. 0 writes no receipts. @default 5000 */
  receiptTimeoutMs?: number;
}

export interface FleetSettings {
  serviceName: string;
  register: boolean;
  heartbeatIntervalMs: number;
  instanceTtlMs: number;
  receiptTimeoutMs: number;
}

const ms = (name: string, min: number) =>
  z
    .number({ invalid_type_error: `fleet.${name} must be a number of milliseconds` })
    .int(`fleet.${name} must be a whole number of milliseconds`)
    .min(min, `fleet.${name} must be at least ${min}`)
    .max(HOUR_MS, `fleet.${name} must be at most ${HOUR_MS} (an hour)`)
    .optional();

export const fleetOptionsSchema = z
  .object(
    {
      serviceName: z
        .string({ invalid_type_error: 'fleet.serviceName must be a string' })
        .min(1, 'fleet.serviceName must not be empty')
        .max(100, 'fleet.serviceName must be at most 100 characters')
        .regex(/^[\x21-\x7e]+$/, 'fleet.serviceName may contain only printable ASCII without spaces')
        .optional(),
      register: z.boolean({ invalid_type_error: 'fleet.register must be a boolean' }).optional(),
      heartbeatIntervalMs: ms('heartbeatIntervalMs', 100),
      instanceTtlMs: ms('instanceTtlMs', 200),
      receiptTimeoutMs: ms('receiptTimeoutMs', 0),
    },
    { invalid_type_error: 'fleet must be an object' },
  )
  .refine((o) => (o.instanceTtlMs ?? 15_000) > (o.heartbeatIntervalMs ?? 5000), {
    message: 'fleet.instanceTtlMs must be longer than fleet.heartbeatIntervalMs (or every instance would flicker lost)',
    path: ['instanceTtlMs'],
  })
  .optional();

export function resolveFleetSettings(options: z.infer<typeof fleetOptionsSchema>): FleetSettings {
  return {
    serviceName: options?.serviceName ?? 'service',
    register: options?.register ?? true,
    heartbeatIntervalMs: options?.heartbeatIntervalMs ?? 5000,
    instanceTtlMs: options?.instanceTtlMs ?? 15_000,
    receiptTimeoutMs: options?.receiptTimeoutMs ?? 5000,
  };
}
