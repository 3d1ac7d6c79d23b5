/**
 * Kill switches and their history: the durable source of truth that every
 * service instance's in-process snapshot is built from.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
  varchar,
} from 'drizzle-orm/pg-core';

/** Scope hierarchy of the specification: global > client > platform > action. */
export const killSwitchScopes = ['global', 'client', 'platform', 'action'] as const;
export type KillSwitchScope = (typeof killSwitchScopes)[number];

export const killSwitchTargetTypes = ['all', 'platform', 'action'] as const;
export type KillSwitchTargetType = (typeof killSwitchTargetTypes)[number];

export const killSwitchHistoryActions = [
  'created',
  'activated',
  'deactivated',
  'expired',
  'updated',
  'restart_started',
  'restart_step',
] as const;
export type KillSwitchHistoryAction = (typeof killSwitchHistoryActions)[number];

/**
 * What an active switch does to the actions it matches: `halt` blocks them all; `reduce` lets
 * risk-reducing actions through (delete, unpublish, cancel); `throttle` lets a fraction through.
 */
export const killSwitchModes = ['halt', 'reduce', 'throttle'] as const;
export type KillSwitchMode = (typeof killSwitchModes)[number];

/**
 * A gradual restart: the switch throttles at `steps[i]` from `startedAt + i * everyMs`; past the
 * last step (a fraction of 1) it is released. `recordedStep` is the last step written to history.
 */
export interface RestartPlan {
  steps: number[];
  everyMs: number;
  /** ISO 8601. */
  startedAt: string;
  recordedStep: number;
}

/** Per-switch auto-trip settings, as the specification stores them. */
export interface AutoTripConfig {
  enabled: boolean;
  errorRateThreshold: number;
  minSamples: number;
  windowMs: number;
  cooldownMs: number;
}

/** Column widths, shared with input validation so both refuse the same values. */
export const columnLimits = {
  id: 36,
  clientId: 100,
  targetValue: 100,
  platform: 50,
  actor: 100,
} as const;

export const killSwitches = pgTable(
  'kill_switches',
  {
    id: varchar('id', { length: columnLimits.id }).primaryKey(),
    /** NULL means every client. */
    clientId: varchar('client_id', { length: columnLimits.clientId }),
    scope: varchar('scope', { length: 20 }).notNull().$type<KillSwitchScope>(),
    targetType: varchar('target_type', { length: 20 }).notNull().$type<KillSwitchTargetType>(),
    /** A platform, an action, or '*' for targetType 'all'. */
    targetValue: varchar('target_value', { length: columnLimits.targetValue }).notNull(),
    /** Narrows an action switch to one platform. */
    platform: varchar('platform', { length: columnLimits.platform }),
    isActive: boolean('is_active').notNull().default(false),
    reason: text('reason'),
    activatedBy: varchar('activated_by', { length: columnLimits.actor }),
    activatedAt: timestamp('activated_at', { withTimezone: true }),
    /** An active switch stops blocking by itself at this instant. */
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    autoTripConfig: jsonb('auto_trip_config').$type<AutoTripConfig>(),
    mode: varchar('mode', { length: 10 }).notNull().default('halt').$type<KillSwitchMode>(),
    /** Actions `reduce` lets through; NULL means the service's classification of risk-reducing actions. */
    allowActions: jsonb('allow_actions').$type<string[]>(),
    /** The share of matching actions `throttle` lets through, in [0, 1]. */
    fraction: doublePrecision('fraction'),
    /** A gradual restart under way (mode `throttle`, its fraction read from the plan and the clock). */
    restart: jsonb('restart').$type<RestartPlan>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // NULLS NOT DISTINCT: a second global `platform:tiktok` switch is a duplicate.
    unique('kill_switches_scope_target_unique')
      .on(t.clientId, t.scope, t.targetType, t.targetValue, t.platform)
      .nullsNotDistinct(),
    index('kill_switches_active_idx').on(t.isActive),
    index('kill_switches_client_idx').on(t.clientId),
    index('kill_switches_scope_idx').on(t.scope),
    check('kill_switches_scope_valid', sql`${t.scope} IN ('global', 'client', 'platform', 'action')`),
    check('kill_switches_target_type_valid', sql`${t.targetType} IN ('all', 'platform', 'action')`),
    check('kill_switches_global_no_client', sql`${t.scope} <> 'global' OR ${t.clientId} IS NULL`),
    check('kill_switches_client_has_client', sql`${t.scope} <> 'client' OR ${t.clientId} IS NOT NULL`),
    check('kill_switches_platform_scope_target', sql`${t.scope} <> 'platform' OR ${t.targetType} = 'platform'`),
    check('kill_switches_action_scope_target', sql`${t.scope} <> 'action' OR ${t.targetType} = 'action'`),
    check('kill_switches_all_target_star', sql`${t.targetType} <> 'all' OR ${t.targetValue} = '*'`),
    check('kill_switches_target_value_nonempty', sql`length(${t.targetValue}) > 0`),
    check('kill_switches_platform_only_on_action', sql`${t.platform} IS NULL OR ${t.targetType} = 'action'`),
    check('kill_switches_mode_valid', sql`${t.mode} IN ('halt', 'reduce', 'throttle')`),
    check('kill_switches_fraction_range', sql`${t.fraction} IS NULL OR (${t.fraction} >= 0 AND ${t.fraction} <= 1)`),
    check(
      'kill_switches_active_has_reason',
      sql`NOT ${t.isActive} OR (${t.reason} IS NOT NULL AND ${t.activatedBy} IS NOT NULL AND ${t.activatedAt} IS NOT NULL)`,
    ),
  ],
);

export const killSwitchHistory = pgTable(
  'kill_switch_history',
  {
    id: varchar('id', { length: columnLimits.id }).primaryKey(),
    /**
     * Insertion order. Per switch it is the order of commits (transitions of
     * one switch are serialised by its row lock), which timestamps alone
     * cannot give: two transitions may share a millisecond.
     */
    seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity(),
    killSwitchId: varchar('kill_switch_id', { length: columnLimits.id })
      .notNull()
      .references(() => killSwitches.id),
    action: varchar('action', { length: 20 }).notNull().$type<KillSwitchHistoryAction>(),
    previousState: boolean('previous_state'),
    newState: boolean('new_state'),
    reason: text('reason'),
    performedBy: varchar('performed_by', { length: columnLimits.actor }).notNull(),
    performedAt: timestamp('performed_at', { withTimezone: true }).notNull().defaultNow(),
    metadata: jsonb('metadata').$type<Record<string, unknown>>(),
  },
  (t) => [
    index('kill_switch_history_ks_idx').on(t.killSwitchId, t.seq),
    index('kill_switch_history_performed_at_idx').on(t.performedAt),
    check(
      'kill_switch_history_action_valid',
      sql`${t.action} IN ('created', 'activated', 'deactivated', 'expired', 'updated', 'restart_started', 'restart_step')`,
    ),
  ],
);

/**
 * One row (id = 1) whose version every switch change bumps inside its own
 * transaction; instances poll it to learn that their snapshot is behind.
 */
export const killSwitchState = pgTable(
  'kill_switch_state',
  {
    id: integer('id').primaryKey().default(1),
    version: bigint('version', { mode: 'number' }).notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    /**
     * This database's identity, made once at migration: the state it puts in
     * Redis carries it, so two deployments sharing a Redis namespace never
     * take (or overwrite) each other's state.
     */
    databaseId: text('database_id').notNull().default(sql`gen_random_uuid()::text`),
  },
  (t) => [check('kill_switch_state_single_row', sql`${t.id} = 1`)],
);

export type KillSwitch = typeof killSwitches.$inferSelect;
export type NewKillSwitch = typeof killSwitches.$inferInsert;
export type KillSwitchHistoryEntry = typeof killSwitchHistory.$inferSelect;
export type NewKillSwitchHistoryEntry = typeof killSwitchHistory.$inferInsert;
export type KillSwitchStateRow = typeof killSwitchState.$inferSelect;
