/**
 * Concurrent writes on the real PostgreSQL and Redis: flips/s with 64 callers spread over 2 service
 * instances (in this process, each on its own pool), every caller flipping its own switch (activate,
 * then deactivate), against two floors issued directly with postgres.js, without our code around them:
 * - one flip per transaction: the statements of a lone flip, by as many callers over as many
 *   connections (what any design committing each flip alone gets from this disk);
 * - group commits: the statements of a batch (rows locked SKIP LOCKED, one update, one history
 *   insert, one chain append) by as many concurrent loops as our instances keep batches in flight,
 *   each flipping its share of the switches per transaction: the same work as our group commit.
 * The ratio judged is ours over the group-commit floor. And a storm: the time to activate 1,000 switches.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { createAuditEmitter, validateAuditEvent } from '@rtv/audit';
import { type KillSwitch, createDb } from '@rtv/db';
import { type KillSwitchService, createKillSwitchService } from '@rtv/policy';
import { sql as drizzleSql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
// The store's own statement builders (not public API): the floor sends the very statements the store does.
import { chainAppendStatement, pendingRecord } from '../../../audit/src/chain-append-statement';
import { historyWritten, switchesWritten } from '../../../policy/src/adapters/postgres/transition-steps';
import type { BenchEnvironment } from '../environment';
import type { BenchSettings } from '../settings';
import { type Spread, spread } from './check-path';

export interface WriteThroughputRound {
  round: number;
  loadBefore: number[];
  loadAfter: number[];
  oursFlipsPerSec: number;
  /** Our commits per second in the run (state versions made), so flips per commit can be read. */
  oursCommitsPerSec: number;
  /** The group-commit floor (judged). */
  floorFlipsPerSec: number;
  /** One flip per transaction, for reference. */
  singleFloorFlipsPerSec: number;
  ratio: number;
}

export interface WriteThroughputResult {
  callers: number;
  instances: number;
  connectionsPerInstance: number;
  rounds: WriteThroughputRound[];
  /** Concurrent loops of the group-commit floor, and the switches each flips per transaction. */
  floorBatches: { loops: number; switchesPerCommit: number };
  oursFlipsPerSec: Spread;
  oursCommitsPerSec: Spread;
  floorFlipsPerSec: Spread;
  singleFloorFlipsPerSec: Spread;
  ratio: Spread;
  storm: { switches: number; method: string; ms: number; deactivateMs: number };
}

const CONNECTIONS_PER_INSTANCE = 10;
/** As write/group-commit.ts's MAX_BATCHES_IN_FLIGHT: commits each instance keeps in flight under load. */
const BATCHES_IN_FLIGHT_PER_INSTANCE = 1;

// The statements of a commit, as the service's transaction sends them (drizzle over postgres.js):
// the rows locked, then ONE last statement writing their fields and history rows, appending the
// audit records, moving the chain head and bumping the state version, built by the very functions
// the store uses (transition-steps.ts, chain-append-statement.ts). A lone flip locks its row and
// waits for it; a group commit skips rows another writer holds.
const lockStatement = (n: number) =>
  `select "id", "client_id", "scope", "target_type", "target_value", "platform", "is_active", "reason", "activated_by", "activated_at", "expires_at", "auto_trip_config", "created_at", "updated_at", "mode", "allow_actions", "fraction", "restart" from "kill_switches" where "kill_switches"."id" in (${Array.from({ length: n }, (_, i) => `$${i + 1}`).join(', ')}) order by "kill_switches"."id" asc for update${n > 1 ? ' skip locked' : ''}`;
const dialect = new PgDialect();
const REASON = 'benchmark write floor';

const newId = (prefix: string) => `${prefix}${randomBytes(12).toString('base64url')}`;

/** The last statement of a commit flipping `ids`, as text and parameters. */
function lastStatement(ids: readonly string[], activate: boolean, now: Date): { sql: string; params: unknown[] } {
  const records = ids.map((id) =>
    pendingRecord(
      validateAuditEvent(
        {
          type: activate ? 'KILL_SWITCH_ACTIVATED' : 'KILL_SWITCH_DEACTIVATED',
          actor: 'bench',
          target: id,
          occurredAt: now,
          metadata: { trigger: 'manual', reason: REASON, previousState: !activate, newState: activate },
        },
        () => now.getTime(),
      ),
    ),
  );
  const rows = ids.map(
    (id) =>
      ({
        id,
        isActive: activate,
        reason: activate ? REASON : null,
        activatedBy: activate ? 'bench' : null,
        activatedAt: activate ? now : null,
        expiresAt: null,
        updatedAt: now,
        mode: 'halt',
        allowActions: null,
        fraction: null,
        restart: null,
      }) as unknown as KillSwitch,
  );
  const history = ids.map((id) => ({
    id: newId('ksh_'),
    killSwitchId: id,
    action: activate ? ('activated' as const) : ('deactivated' as const),
    previousState: !activate,
    newState: activate,
    reason: REASON,
    performedBy: 'bench',
    performedAt: now,
    metadata: { trigger: 'manual', incidentId: null, expiresAt: null },
  }));
  const ctes = drizzleSql.join(
    [
      switchesWritten(rows),
      historyWritten(history),
      drizzleSql`state_bumped AS (
    UPDATE kill_switch_state SET version = version + 1, updated_at = ${now.toISOString()}::timestamptz WHERE id = 1 RETURNING version)`,
    ],
    drizzleSql`,\n  `,
  );
  return dialect.sqlToQuery(chainAppendStatement(records, ctes, drizzleSql`SELECT version FROM state_bumped`));
}

/** One transaction flipping `ids` together: a lone flip when there is one, a group commit's work when many. */
async function floorCommit(sql: postgres.Sql, ids: readonly string[], activate: boolean): Promise<void> {
  await sql.begin(async (tx) => {
    const now = new Date();
    await tx.unsafe(lockStatement(ids.length), [...ids]);
    const last = lastStatement(ids, activate, now);
    await tx.unsafe(last.sql, last.params as postgres.ParameterOrJSON<never>[]);
  });
}

/**
 * One loop per unit until the deadline, each flipping its unit's switches (activate, then
 * deactivate) by one call: a lone switch per caller, or a floor loop's share. Returns flips/s.
 */
async function flipLoop(
  units: readonly (readonly string[])[],
  flip: (ids: readonly string[], activate: boolean) => Promise<unknown>,
  ms: number,
): Promise<number> {
  let flips = 0;
  const start = performance.now();
  const deadline = start + ms;
  await Promise.all(
    units.map(async (ids) => {
      let active = false;
      while (performance.now() < deadline) {
        await flip(ids, !active);
        active = !active;
        flips += ids.length;
      }
      // Leave every switch off, as found (not timed).
      if (active) await flip(ids, false);
    }),
  );
  return (flips / (performance.now() - start)) * 1000;
}

/** `ids` in `count` units of (nearly) equal size. */
const chunked = (ids: readonly string[], count: number): string[][] =>
  Array.from({ length: count }, (_, u) => ids.filter((_, i) => i % count === u));

/**
 * Activates `ids` through the first instance's `activateMany` (one transaction), then
 * deactivates them by `callers` concurrent single calls spread over the instances.
 */
async function benchStorm(
  services: readonly KillSwitchService[],
  ids: readonly string[],
  callers: number,
): Promise<WriteThroughputResult['storm']> {
  const [first] = services as [KillSwitchService];
  const t0 = performance.now();
  await first.activateMany(ids.map((id) => ({ id, reason: 'benchmark storm of activations', activatedBy: 'bench' })));
  const ms = performance.now() - t0;
  const t1 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: callers }, async (_, c) => {
      const service = services[c % services.length] ?? first;
      while (next < ids.length) {
        const id = ids[next++] as string;
        await service.deactivate({ id, reason: 'benchmark storm is over', deactivatedBy: 'bench' });
      }
    }),
  );
  return {
    switches: ids.length,
    method: 'service.activateMany (one transaction)',
    ms,
    deactivateMs: performance.now() - t1,
  };
}

const load = () => loadavg().map((n) => Math.round(n * 100) / 100);

export async function benchWriteThroughput(
  env: BenchEnvironment,
  settings: BenchSettings,
): Promise<WriteThroughputResult> {
  const callers = 64;
  const instances = [0, 1].map(() => {
    const handle = createDb(env.databaseUrl, { max: CONNECTIONS_PER_INSTANCE });
    const audit = createAuditEmitter({ db: handle.db });
    const service: KillSwitchService = createKillSwitchService({
      db: handle.db,
      redis: env.redis,
      audit,
      keyPrefix: env.keyPrefix,
      sweepIntervalMs: 0,
    });
    return { handle, audit, service };
  });
  const [first] = instances as [(typeof instances)[number]];
  await Promise.all(instances.map((i) => i.service.ready()));
  const run = Date.now().toString(36);
  const create = (n: number, label: string) =>
    Promise.all(
      Array.from({ length: n }, (_, i) =>
        first.service.create({
          scope: 'action',
          clientId: `${label}_${run}_${i}`,
          targetType: 'action',
          targetValue: 'write_bench',
          createdBy: 'bench',
        }),
      ),
    );
  const oursIds = (await create(callers, 'writer')).map((s) => s.id);
  const floorIds = (await create(callers, 'floor')).map((s) => s.id);
  const sql = postgres(env.databaseUrl, { max: CONNECTIONS_PER_INSTANCE * instances.length, onnotice: () => {} });
  // As drizzle sets up its postgres.js client: JSON parameters go as the text they already are.
  for (const type of [114, 3802]) sql.options.serializers[type] = (value: unknown) => value as string;

  // Caller i goes through instance i % 2, on a switch no other caller touches.
  const oursFlip = (id: string, activate: boolean) => {
    const service = (instances[oursIds.indexOf(id) % 2] ?? first).service;
    return activate
      ? service.activate({ id, reason: 'benchmark write throughput', activatedBy: 'bench' })
      : service.deactivate({ id, reason: 'benchmark write throughput', deactivatedBy: 'bench' });
  };
  const readVersion = async () => Number((await sql`SELECT version FROM kill_switch_state WHERE id = 1`)[0]?.version);
  const floorLoops = instances.length * BATCHES_IN_FLIGHT_PER_INSTANCE;
  const subjects = {
    ours: () =>
      flipLoop(
        oursIds.map((id) => [id]),
        (ids, a) => oursFlip(ids[0] as string, a),
        settings.writeRunMs,
      ),
    floor: () => flipLoop(chunked(floorIds, floorLoops), (ids, a) => floorCommit(sql, ids, a), settings.writeRunMs),
    single: () =>
      flipLoop(
        floorIds.map((id) => [id]),
        (ids, a) => floorCommit(sql, ids, a),
        settings.writeRunMs,
      ),
  };
  const rounds: WriteThroughputRound[] = [];
  try {
    for (let round = 0; round < settings.rounds; round++) {
      const loadBefore = load();
      // Rotate which goes first, so drift within a round favours none.
      const order = (['ours', 'floor', 'single'] as const).map((_, i, all) => all[(i + round) % all.length]);
      const rate: Record<string, number> = {};
      let commitsPerSec = 0;
      for (const subject of order) {
        if (subject === undefined) continue;
        const versionBefore = subject === 'ours' ? await readVersion() : 0;
        const t0 = performance.now();
        rate[subject] = await subjects[subject]();
        if (subject === 'ours')
          commitsPerSec = ((await readVersion()) - versionBefore) / ((performance.now() - t0) / 1000);
      }
      const ours = rate.ours ?? 0;
      const floor = rate.floor ?? 0;
      rounds.push({
        round,
        loadBefore,
        loadAfter: load(),
        oursFlipsPerSec: ours,
        oursCommitsPerSec: commitsPerSec,
        floorFlipsPerSec: floor,
        singleFloorFlipsPerSec: rate.single ?? 0,
        ratio: ours / floor,
      });
    }

    // The storm: 1,000 switches at once.
    const stormIds = (await create(settings.stormSwitches, 'storm')).map((s) => s.id);
    const storm = await benchStorm(
      instances.map((i) => i.service),
      stormIds,
      callers,
    );
    return {
      callers,
      instances: instances.length,
      connectionsPerInstance: CONNECTIONS_PER_INSTANCE,
      rounds,
      floorBatches: { loops: floorLoops, switchesPerCommit: Math.ceil(floorIds.length / floorLoops) },
      oursFlipsPerSec: spread(rounds.map((r) => r.oursFlipsPerSec)),
      oursCommitsPerSec: spread(rounds.map((r) => r.oursCommitsPerSec)),
      floorFlipsPerSec: spread(rounds.map((r) => r.floorFlipsPerSec)),
      singleFloorFlipsPerSec: spread(rounds.map((r) => r.singleFloorFlipsPerSec)),
      ratio: spread(rounds.map((r) => r.ratio)),
      storm,
    };
  } finally {
    await sql.end({ timeout: 5 });
    for (const i of instances) {
      await i.service.close();
      await i.audit.close();
      await i.handle.close();
    }
  }
}
