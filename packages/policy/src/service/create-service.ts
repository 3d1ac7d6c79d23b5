/**
 * The kill-switch service: wires the check path (in-process snapshot), the
 * write path (one transaction per transition) and the sync path (Redis
 * pub/sub and version polling, or an in-process bus and PostgreSQL polling
 * on the embedded default) behind the `KillSwitchService` interface.
 */
import type { AuditEmitter } from '@rtv/audit';
import { type Database, type KillSwitch, killSwitchHistory, killSwitches } from '@rtv/db';
import { type SQL, and, asc, desc, eq, gt, isNull, or } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import { createMemoryChangeBus } from '../adapters/memory/memory-change-bus';
import { createPostgresSnapshotSource } from '../adapters/postgres/postgres-snapshot-source';
import { createRedisChangeBus } from '../adapters/redis/redis-change-bus';
import { createRedisStateCache } from '../adapters/redis/redis-state-cache';
import { CHECK_DURATION_BUCKETS_MS, CheckCounters } from '../check/check-stats';
import { findBlockingSwitch } from '../check/switch-index';
import { ForbiddenError, StateUnavailableError, ValidationError, isConflictError } from '../errors';
import {
  type AuthorizationRequest,
  type Authorizer,
  type Clock,
  type Metrics,
  noopMetrics,
  systemClock,
} from '../ports';
import { asStoreError, rootCauseMessage } from '../store-errors';
import { createSnapshotSync } from '../sync/snapshot-sync';
import { withTimeout } from '../sync/with-timeout';
import type {
  CheckContext,
  CheckResult,
  CheckStats,
  ComponentStatus,
  CreateSwitchInput,
  HealthReport,
  KillSwitchService,
} from '../types';
import {
  checkContextIssue,
  parseActivateInput,
  parseCreateInput,
  parseDeactivateInput,
  parseListActiveFilter,
  parseSwitchId,
} from '../validation';
import { AUDIT_TYPES, createSwitchWriter, notFound } from '../write/switch-writer';

export interface KillSwitchServiceOptions {
  /** A database from `createDb` or `createEmbeddedDb`. */
  db: Database;
  /** An ioredis client; absent on the embedded default (in-process bus and PostgreSQL polling then). */
  redis?: Redis;
  audit: AuditEmitter;
  /** Consulted on create, activate and deactivate. @default any non-empty actor may act */
  authorize?: Authorizer;
  /** @default the system clock */
  clock?: Clock;
  /** Rare-event metrics; the check path keeps its own counters (`checkStats()`). @default no-op */
  metrics?: Metrics;
  /** Past this long without confirming the state, checks fail closed (or open). @default 300000 (5 minutes) */
  maxStalenessMs?: number;
  /** What a check answers when the state is unavailable. @default 'closed' (tripped) */
  failMode?: 'closed' | 'open';
  /** How often each instance polls the state version. @default 1000 */
  pollIntervalMs?: number;
  /** How often PostgreSQL is polled too while Redis answers (a writer that died before publishing). @default 5000 */
  sourcePollIntervalMs?: number;
  /** Bound on each store call of the sync path and of `health()`. @default 2000 */
  operationTimeoutMs?: number;
  /** How long a cold instance's first checks wait for the first load before failing by policy. @default 5000 */
  startupTimeoutMs?: number;
  /** How often to record `expired` for switches past their expiry (blocking stops at once regardless). 0 disables. @default 30000 */
  sweepIntervalMs?: number;
  /**
   * Listen for change notices on Redis pub/sub. Off, instances learn changes
   * by polling alone (within pollIntervalMs). @default true when `redis` is given
   */
  pubSub?: boolean;
  /** Namespace of the Redis keys and channel. @default 'rtv:ks:' */
  keyPrefix?: string;
  /** Background errors (sync, sweeps, publication); never thrown into a check. @default ignored */
  onError?: (error: unknown, during: string) => void;
}

export function createKillSwitchService(options: KillSwitchServiceOptions): KillSwitchService {
  const { db, redis, audit } = options;
  const clock = options.clock ?? systemClock;
  const metrics = options.metrics ?? noopMetrics;
  const maxStalenessMs = options.maxStalenessMs ?? 300_000;
  const failOpen = options.failMode === 'open';
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const operationTimeoutMs = options.operationTimeoutMs ?? 2000;
  const startupTimeoutMs = options.startupTimeoutMs ?? 5000;
  const keyPrefix = options.keyPrefix ?? 'rtv:ks:';
  const onError = options.onError;

  const source = createPostgresSnapshotSource(db);
  const cache = redis ? createRedisStateCache(redis, { keyPrefix }) : undefined;
  const bus = redis
    ? createRedisChangeBus(redis, { keyPrefix, subscribe: options.pubSub ?? true })
    : createMemoryChangeBus(db);
  const sync = createSnapshotSync({
    source,
    cache,
    bus,
    clock,
    metrics,
    pollIntervalMs,
    sourcePollIntervalMs: options.sourcePollIntervalMs ?? 5000,
    maxStalenessMs,
    operationTimeoutMs,
    onError,
  });
  const writer = createSwitchWriter(db, audit, clock);
  const counters = new CheckCounters();
  const report = (error: unknown, during: string) => onError?.(error, during);

  let closed = false;
  const started = sync.start().catch((error) => report(error, 'start'));
  let sweepTimer: NodeJS.Timeout | undefined;
  const sweepIntervalMs = options.sweepIntervalMs ?? 30_000;
  if (sweepIntervalMs > 0) {
    sweepTimer = setInterval(() => {
      void sweepExpired().catch((error) => report(error, 'sweep'));
    }, sweepIntervalMs);
    sweepTimer.unref();
  }

  // ---- check path -------------------------------------------------------

  function unavailableResult(startedAt: number): CheckResult {
    const ageS = Math.round((clock.now() - sync.confirmedAt) / 1000);
    const reason = `Kill-switch state unavailable: not confirmed for ${ageS}s (maxStalenessMs ${maxStalenessMs}); failing ${failOpen ? 'open' : 'closed'}`;
    const durationMs = performance.now() - startedAt;
    counters.record(durationMs, !failOpen);
    if (!failOpen) counters.failedClosed++;
    return { tripped: !failOpen, switch: null, reason, checkDurationMs: durationMs };
  }

  function evaluate(context: CheckContext): CheckResult {
    const startedAt = performance.now();
    const snapshot = sync.current;
    if (snapshot === undefined || sync.stale) return unavailableResult(startedAt);
    const index = snapshot.index;
    const hit =
      index.size === 0
        ? undefined
        : findBlockingSwitch(
            index,
            context.clientId,
            context.action,
            context.platform ?? undefined,
            index.hasExpiring ? clock.now() : 0,
          );
    const checkDurationMs = performance.now() - startedAt;
    counters.record(checkDurationMs, hit !== undefined);
    if (hit !== undefined) {
      return { tripped: true, switch: hit.summary, reason: hit.summary.reason, checkDurationMs };
    }
    return { tripped: false, switch: null, reason: null, checkDurationMs };
  }

  let firstLoad: Promise<void> | undefined;
  function waitForFirstLoad(): Promise<void> {
    firstLoad ??= new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, startupTimeoutMs);
      timer.unref();
      void sync.ready.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return firstLoad;
  }

  function isTripped(context: CheckContext): Promise<CheckResult> {
    const issue = checkContextIssue(context);
    if (issue) return Promise.reject(issue);
    if (sync.current === undefined) return waitForFirstLoad().then(() => evaluate(context));
    return Promise.resolve(evaluate(context));
  }

  // ---- write path -------------------------------------------------------

  async function authorizeOrThrow(
    actor: string,
    operation: AuthorizationRequest['operation'],
    target: Omit<AuthorizationRequest['switch'], 'id'> & { id?: string },
  ): Promise<void> {
    if (!options.authorize) return;
    const verdict = await options.authorize({ actor, operation, switch: target });
    if (verdict === true) return;
    const why = typeof verdict === 'string' ? verdict : 'not allowed';
    metrics.increment('kill_switch_access_denied_total', { operation });
    try {
      await audit.emit({
        type: AUDIT_TYPES.denied,
        actor,
        target: target.id ?? null,
        clientId: target.clientId,
        metadata: { operation, why, ...target },
      });
    } catch (error) {
      report(error, 'audit-denial');
    }
    throw new ForbiddenError(`${actor} may not ${operation} this kill switch: ${why}`, actor, operation);
  }

  const switchFields = (row: Pick<KillSwitch, 'scope' | 'clientId' | 'targetType' | 'targetValue' | 'platform'>) => ({
    scope: row.scope,
    clientId: row.clientId ?? null,
    targetType: row.targetType,
    targetValue: row.targetValue,
    platform: row.platform ?? null,
  });

  async function readRow(id: string): Promise<KillSwitch> {
    const [row] = await db.select().from(killSwitches).where(eq(killSwitches.id, id));
    if (!row) throw notFound(id);
    return row;
  }

  /**
   * The authorizer needs the switch's coordinates, so read it first; without
   * an authorizer skip the read (the writer's locked read finds a missing id).
   * A switch's coordinates never change, so this read cannot go stale.
   */
  async function authorizeSwitch(actor: string, operation: 'activate' | 'deactivate', id: string): Promise<void> {
    if (!options.authorize) return;
    const existing = await readRow(id);
    await authorizeOrThrow(actor, operation, { id: existing.id, ...switchFields(existing) });
  }

  /** After a commit: this instance sees the change now; publication failures only delay the others. */
  async function publishCommitted(): Promise<void> {
    try {
      await sync.publish();
    } catch (error) {
      report(error, 'publish');
    }
  }

  async function guarded<T>(during: string, run: () => Promise<T>): Promise<T> {
    if (closed) throw new Error('the kill-switch service is closed');
    try {
      return await run();
    } catch (error) {
      throw asStoreError(error, during);
    }
  }

  /** `parsed` has been through `parseCreateInput` (create and ensure both parse once). */
  function createParsed(parsed: CreateSwitchInput) {
    return guarded('creating a kill switch', async () => {
      await authorizeOrThrow(
        parsed.createdBy,
        'create',
        switchFields({ ...parsed, clientId: parsed.clientId ?? null, platform: parsed.platform ?? null }),
      );
      const row = await writer.create(parsed);
      metrics.increment('kill_switch_created_total', { scope: row.scope });
      return row;
    });
  }

  async function findByTarget(input: CreateSwitchInput): Promise<KillSwitch | undefined> {
    const [row] = await db
      .select()
      .from(killSwitches)
      .where(
        and(
          eq(killSwitches.scope, input.scope),
          eq(killSwitches.targetType, input.targetType),
          eq(killSwitches.targetValue, input.targetValue),
          input.clientId ? eq(killSwitches.clientId, input.clientId) : isNull(killSwitches.clientId),
          input.platform ? eq(killSwitches.platform, input.platform) : isNull(killSwitches.platform),
        ),
      );
    return row;
  }

  async function sweepExpired(): Promise<number> {
    const expired = await guarded('expiring kill switches', () => writer.expireDue());
    if (expired.length > 0) {
      metrics.increment('kill_switch_expired_total', {}, expired.length);
      await publishCommitted();
    }
    return expired.length;
  }

  function componentFromAge(ageMs: number): ComponentStatus {
    if (sync.current === undefined || sync.stale) return 'failed';
    return ageMs > pollIntervalMs * 3 + operationTimeoutMs ? 'degraded' : 'operational';
  }

  async function probe(
    run: () => Promise<unknown>,
  ): Promise<{ status: ComponentStatus; latencyMs?: number; error?: string }> {
    const startedAt = performance.now();
    try {
      await withTimeout(run(), operationTimeoutMs, 'health probe');
      return { status: 'operational', latencyMs: Math.round((performance.now() - startedAt) * 100) / 100 };
    } catch (error) {
      return { status: 'failed', error: rootCauseMessage(error) };
    }
  }

  const service: KillSwitchService = {
    isTripped,
    create: async (input) => createParsed(parseCreateInput(input)),

    async ensure(input) {
      const parsed = parseCreateInput(input);
      const existing = await guarded('finding a kill switch', () => findByTarget(parsed));
      if (existing) return existing;
      try {
        return await createParsed(parsed);
      } catch (error) {
        if (!isConflictError(error)) throw error;
        // Another caller created it between our read and our insert.
        const raced = await guarded('finding a kill switch', () => findByTarget(parsed));
        if (raced) return raced;
        throw error;
      }
    },

    async activate(input) {
      const parsed = parseActivateInput(input);
      if (parsed.expiresAt && parsed.expiresAt.getTime() <= clock.now()) {
        throw new ValidationError('expiresAt must be in the future', [
          { field: 'expiresAt', message: 'must be in the future' },
        ]);
      }
      return guarded('activating a kill switch', async () => {
        await authorizeSwitch(parsed.activatedBy, 'activate', parsed.id);
        const result = await writer.activate(parsed);
        if (result.changed) {
          metrics.increment('kill_switch_activations_total', { scope: result.row.scope });
          await publishCommitted();
        }
        return { switch: result.row, changed: result.changed };
      });
    },

    async deactivate(input) {
      const parsed = parseDeactivateInput(input);
      return guarded('deactivating a kill switch', async () => {
        await authorizeSwitch(parsed.deactivatedBy, 'deactivate', parsed.id);
        const result = await writer.deactivate(parsed);
        if (result.changed) {
          metrics.increment('kill_switch_deactivations_total', { scope: result.row.scope });
          await publishCommitted();
        }
        return { switch: result.row, changed: result.changed };
      });
    },

    async listActive(filter) {
      const parsed = parseListActiveFilter(filter);
      const now = new Date(clock.now());
      // Conditions combine with and(): chaining .where() in drizzle would replace them.
      const conditions: SQL[] = [eq(killSwitches.isActive, true)];
      const notExpired = or(isNull(killSwitches.expiresAt), gt(killSwitches.expiresAt, now));
      if (notExpired) conditions.push(notExpired);
      if (parsed.scope) conditions.push(eq(killSwitches.scope, parsed.scope));
      if (parsed.clientId) conditions.push(eq(killSwitches.clientId, parsed.clientId));
      if (parsed.targetType) conditions.push(eq(killSwitches.targetType, parsed.targetType));
      if (parsed.platform) {
        const onPlatform = or(
          and(eq(killSwitches.targetType, 'platform'), eq(killSwitches.targetValue, parsed.platform)),
          eq(killSwitches.platform, parsed.platform),
        );
        if (onPlatform) conditions.push(onPlatform);
      }
      return guarded('listing active kill switches', () =>
        db
          .select()
          .from(killSwitches)
          .where(and(...conditions))
          .orderBy(desc(killSwitches.activatedAt), asc(killSwitches.id)),
      );
    },

    async getById(id) {
      const parsed = parseSwitchId(id);
      return guarded('reading a kill switch', () => readRow(parsed));
    },

    async getHistory(id) {
      const parsed = parseSwitchId(id);
      return guarded('reading kill switch history', async () => {
        await readRow(parsed);
        return db
          .select()
          .from(killSwitchHistory)
          .where(eq(killSwitchHistory.killSwitchId, parsed))
          .orderBy(asc(killSwitchHistory.seq));
      });
    },

    async invalidateCache() {
      await guarded('reloading the kill-switch state', () => sync.reload());
    },

    sweepExpired,

    async health(): Promise<HealthReport> {
      const [postgres, redisProbe] = await Promise.all([
        probe(() => source.readVersion()),
        redis ? probe(() => redis.ping()) : Promise.resolve(undefined),
      ]);
      const ageMs = Math.max(0, clock.now() - sync.confirmedAt);
      const snapshotStatus = componentFromAge(ageMs);
      const statuses: ComponentStatus[] = [postgres.status, redisProbe?.status ?? 'operational'];
      const status: ComponentStatus =
        snapshotStatus === 'failed'
          ? 'failed'
          : snapshotStatus === 'degraded' || statuses.some((s) => s !== 'operational')
            ? 'degraded'
            : 'operational';
      return {
        status,
        components: {
          postgres,
          redis: redisProbe ? { ...redisProbe, configured: true } : { status: 'operational', configured: false },
          snapshot: {
            status: snapshotStatus,
            version: sync.current?.version ?? -1,
            ageMs,
            activeSwitches: sync.current?.index.size ?? 0,
            maxStalenessMs,
          },
        },
      };
    },

    checkStats(): CheckStats {
      const index = sync.current?.index;
      return {
        checks: counters.checks,
        tripped: counters.tripped,
        failedClosed: counters.failedClosed,
        durationBucketsMs: CHECK_DURATION_BUCKETS_MS,
        durationCounts: counters.cumulative(),
        durationSumMs: counters.durationSumMs,
        snapshotVersion: sync.current?.version ?? -1,
        snapshotAgeMs: Math.max(0, clock.now() - sync.confirmedAt),
        activeByScope: index?.activeByScope ?? { global: 0, client: 0, platform: 0, action: 0 },
      };
    },

    async ready() {
      await started;
      if (sync.current) return;
      await waitForFirstLoad();
      if (!sync.current) {
        const cause = sync.postgres.error ?? sync.redis?.error ?? 'no answer';
        throw new StateUnavailableError(
          `Kill-switch state could not be loaded within ${startupTimeoutMs} ms (startupTimeoutMs): ${cause}`,
        );
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      if (sweepTimer) clearInterval(sweepTimer);
      await started;
      await sync.stop();
    },
  };
  return service;
}
