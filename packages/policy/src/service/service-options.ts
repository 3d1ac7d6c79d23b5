/**
 * The service's options, validated up front: a wrong option is a typed
 * `ValidationError` naming it, never a service that fails later (a
 * `maxStalenessMs` past setTimeout's range used to fail every check closed).
 */
import type { AuditEmitter, Logger } from '@rtv/audit';
import { silentLogger } from '@rtv/audit';
import type { Database } from '@rtv/db';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { systemClock } from '../clock';
import {
  type FleetOptions,
  type FleetSettings,
  fleetOptionsSchema,
  resolveFleetSettings,
} from '../fleet/fleet-options';
import type { Authorizer, ChangeBus, Clock, InstanceRegistry, Metrics, StateCache, SwitchStore } from '../ports';
import { noopMetrics } from '../ports';
import { parseInput } from '../validation';

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

export interface CommonServiceOptions {
  /** Consulted on create, activate and deactivate. @default any non-empty actor may act */
  authorize?: Authorizer;
  /** Time and the service's timers (staleness, polls, sweeps). @default the system clock */
  clock?: Clock;
  /** Rare-event metrics; the check path keeps its own counters (`checkStats()`). @default no-op */
  metrics?: Metrics;
  /** Where background failures (sync, publication, sweeps) are reported; pino fits. @default silent */
  logger?: Logger;
  /** Past this long without confirming the state, checks fail closed (or open). 1 ms to 1 year. @default 300000 (5 minutes) */
  maxStalenessMs?: number;
  /** What a check answers when the state is unavailable or the service is closed. @default 'closed' (tripped) */
  failMode?: 'closed' | 'open';
  /** How often each instance polls the state version. 10 ms to 1 hour. @default 1000 */
  pollIntervalMs?: number;
  /** How often the store is polled too while the cache answers (a writer that died before publishing). @default 5000 */
  sourcePollIntervalMs?: number;
  /** Bound on each store call of the sync path and of `health()`. 1 ms to 1 hour. @default 2000 */
  operationTimeoutMs?: number;
  /**
   * Every write (create, activate, deactivate, expiry, a refusal's audit) settles within this
   * many ms with a typed error; a write that did not reach COMMIT by then never commits later.
   * 100 ms to 1 hour. @default 10000
   */
  writeTimeoutMs?: number;
  /** How long a cold instance's first checks wait for the first load before failing by policy. @default 5000 */
  startupTimeoutMs?: number;
  /** How often to record `expired` for switches past their expiry (blocking stops at once regardless). 0 disables. @default 30000 */
  sweepIntervalMs?: number;
  /** Time every check and report it on the result (`checkDurationMs`); costs an allocation per check. @default false */
  timeEachCheck?: boolean;
  /** The fleet registry, acknowledgements and receipts (see `FleetOptions`). */
  fleet?: FleetOptions;
}

/** The service written against ports: bring a store and, for several instances, a cache and a bus. */
export interface PortsServiceOptions extends CommonServiceOptions {
  store: SwitchStore;
  /** The shared snapshot, so instances need not all read the store. @default none: the store is polled */
  cache?: StateCache;
  /** Change notices between instances. @default an in-process bus (instances of one process) */
  bus?: ChangeBus;
  /** Where instances register and heartbeat. @default an in-process registry shared by services on this store */
  registry?: InstanceRegistry;
}

/** The convenience form: adapters are built from a database and, optionally, Redis. */
export interface DatabaseServiceOptions extends CommonServiceOptions {
  /** A migrated database from `createDb` (@rtv/db) or `createEmbeddedDb` (@rtv/db/pglite). */
  db: Database;
  /** An ioredis client; absent, instances of one process share an in-process bus and poll PostgreSQL. */
  redis?: Redis;
  /** An emitter from `createAuditEmitter({ db })` on the same `db` (with your sinks). @default one on `db` */
  audit?: AuditEmitter;
  /** Listen for change notices on Redis pub/sub; off, instances learn changes by polling alone. @default true with `redis` */
  pubSub?: boolean;
  /** Namespace of the Redis keys and channel. @default 'rtv:ks:' */
  keyPrefix?: string;
}

export type KillSwitchServiceOptions = PortsServiceOptions | DatabaseServiceOptions;

export interface ServiceSettings {
  authorize: Authorizer | undefined;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
  maxStalenessMs: number;
  failOpen: boolean;
  pollIntervalMs: number;
  sourcePollIntervalMs: number;
  operationTimeoutMs: number;
  writeTimeoutMs: number;
  startupTimeoutMs: number;
  sweepIntervalMs: number;
  timeEachCheck: boolean;
  fleet: FleetSettings;
}

const ms = (name: string, min: number, max: number) =>
  z
    .number({ invalid_type_error: `${name} must be a number of milliseconds` })
    .int(`${name} must be a whole number of milliseconds`)
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max} (${max >= YEAR_MS ? 'a year' : 'an hour'})`)
    .optional();

const object = (name: string) =>
  z.custom<object>((v) => typeof v === 'object' && v !== null, `${name} must be an object`).optional();

const settingsSchema = z
  .object({
    authorize: z.custom<Authorizer>((v) => typeof v === 'function', 'authorize must be a function').optional(),
    clock: z
      .custom<Clock>((v) => typeof (v as Clock | undefined)?.now === 'function', 'clock must have a now() method')
      .optional(),
    metrics: object('metrics'),
    logger: z
      .custom<Logger>(
        (v) =>
          ['error', 'warn', 'info', 'debug'].every((m) => typeof (v as Record<string, unknown>)?.[m] === 'function'),
        'logger must have error, warn, info and debug methods (a pino logger fits)',
      )
      .optional(),
    maxStalenessMs: ms('maxStalenessMs', 1, YEAR_MS),
    failMode: z
      .enum(['closed', 'open'], { errorMap: () => ({ message: "failMode must be 'closed' or 'open'" }) })
      .optional(),
    pollIntervalMs: ms('pollIntervalMs', 10, HOUR_MS),
    sourcePollIntervalMs: ms('sourcePollIntervalMs', 10, HOUR_MS),
    operationTimeoutMs: ms('operationTimeoutMs', 1, HOUR_MS),
    writeTimeoutMs: ms('writeTimeoutMs', 100, HOUR_MS),
    startupTimeoutMs: ms('startupTimeoutMs', 0, HOUR_MS),
    sweepIntervalMs: ms('sweepIntervalMs', 0, HOUR_MS),
    timeEachCheck: z.boolean({ invalid_type_error: 'timeEachCheck must be a boolean' }).optional(),
    fleet: fleetOptionsSchema,
    pubSub: z.boolean({ invalid_type_error: 'pubSub must be a boolean' }).optional(),
    keyPrefix: z
      .string({ invalid_type_error: 'keyPrefix must be a string' })
      .min(1, 'keyPrefix must not be empty')
      .max(100, 'keyPrefix must be at most 100 characters')
      .regex(/^[\x21-\x7e]+$/, 'keyPrefix may contain only printable ASCII without spaces')
      .optional(),
  })
  .passthrough();

/** Validates the options and fills in the defaults; throws `ValidationError` naming the first bad option. */
export function resolveSettings(options: KillSwitchServiceOptions): ServiceSettings {
  const o = parseInput(settingsSchema, options ?? {});
  return {
    authorize: o.authorize,
    clock: o.clock ?? systemClock,
    metrics: (o.metrics as Metrics | undefined) ?? noopMetrics,
    logger: o.logger ?? silentLogger,
    maxStalenessMs: o.maxStalenessMs ?? 300_000,
    failOpen: o.failMode === 'open',
    pollIntervalMs: o.pollIntervalMs ?? 1000,
    sourcePollIntervalMs: o.sourcePollIntervalMs ?? 5000,
    operationTimeoutMs: o.operationTimeoutMs ?? 2000,
    writeTimeoutMs: o.writeTimeoutMs ?? 10_000,
    startupTimeoutMs: o.startupTimeoutMs ?? 5000,
    sweepIntervalMs: o.sweepIntervalMs ?? 30_000,
    timeEachCheck: o.timeEachCheck ?? false,
    fleet: resolveFleetSettings(o.fleet),
  };
}
