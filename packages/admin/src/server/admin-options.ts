/**
 * What the admin server is built from and the settings it derives. The
 * service, audit emitter and incidents are the caller's, on one database.
 */
import type { AuditEmitter } from '@rtv/audit';
import type { CheckpointSealer } from '@rtv/audit';
import type { AdminRole, Database, KillSwitchScope } from '@rtv/db';
import type { Clock, IncidentService, KillSwitchService } from '@rtv/policy';

export interface TrustedProxyOptions {
  /** The header the authenticating proxy sets to the user's name, e.g. `x-forwarded-user`. */
  header: string;
  /** What each user named by the proxy may do; a name not listed is refused. */
  grants: Record<string, { role: AdminRole; clients?: readonly string[]; breakGlass?: boolean }>;
}

export interface ReleasePolicyOptions {
  /** Releasing a switch of these scopes needs a second person. @default ['global'] */
  scopes?: readonly KillSwitchScope[];
  /** These switches need a second person whatever their scope. @default none */
  switchIds?: readonly string[];
  /** A release request lapses after this many ms. @default 3600000 (1 hour) */
  requestTtlMs?: number;
  /** The longest break-glass bypass, in ms. @default 3600000 (1 hour) */
  maxBypassMs?: number;
  /** The reason codes a release, approval or bypass may carry. @default incident-resolved, false-positive, maintenance, drill, other */
  reasonCodes?: readonly string[];
}

export interface TriggerOptions {
  /** A signed request older (or newer) than this many ms is refused. @default 300000 (5 minutes) */
  replayWindowMs?: number;
  /** Deliveries each trigger may make per minute. @default 30 */
  perMinute?: number;
}

export interface AdminServerOptions {
  db: Database;
  service: KillSwitchService;
  /** The emitter on `db` that the service writes to (with the sinks that notify people). */
  audit: AuditEmitter;
  incidents?: IncidentService;
  /** @default the system clock */
  clock?: Clock;
  release?: ReleasePolicyOptions;
  triggers?: TriggerOptions;
  /** Trust an identity header from an authenticating proxy (single sign-on). @default off: tokens only */
  trustedProxy?: TrustedProxyOptions;
  /** Seals the chain head at each release and on `POST /audit/checkpoints`. @default none */
  checkpoints?: CheckpointSealer;
  /** Seal the chain head this often too (besides each release), in ms; 0 disables. @default 0 */
  checkpointIntervalMs?: number;
  /** How often expired bypasses re-engage their switch and lapsed requests expire, in ms; 0 disables. @default 5000 */
  sweepIntervalMs?: number;
  /** Serve the operator console at `/` (createAdminServer only). @default true when its assets are built */
  console?: boolean;
  /** Largest request body in bytes. @default 65536 */
  bodyLimit?: number;
}

export interface AdminSettings {
  twoPersonScopes: ReadonlySet<string>;
  twoPersonSwitches: ReadonlySet<string>;
  requestTtlMs: number;
  maxBypassMs: number;
  reasonCodes: readonly string[];
  replayWindowMs: number;
  triggersPerMinute: number;
  sweepIntervalMs: number;
}

export const DEFAULT_REASON_CODES = ['incident-resolved', 'false-positive', 'maintenance', 'drill', 'other'] as const;

export function adminSettings(options: AdminServerOptions): AdminSettings {
  return {
    twoPersonScopes: new Set(options.release?.scopes ?? ['global']),
    twoPersonSwitches: new Set(options.release?.switchIds ?? []),
    requestTtlMs: options.release?.requestTtlMs ?? 3_600_000,
    maxBypassMs: options.release?.maxBypassMs ?? 3_600_000,
    reasonCodes: options.release?.reasonCodes ?? DEFAULT_REASON_CODES,
    replayWindowMs: options.triggers?.replayWindowMs ?? 300_000,
    triggersPerMinute: options.triggers?.perMinute ?? 30,
    sweepIntervalMs: options.sweepIntervalMs ?? 5000,
  };
}
