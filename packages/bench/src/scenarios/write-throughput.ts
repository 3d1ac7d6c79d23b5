/**
 * Concurrent writes on the real PostgreSQL and Redis: flips/s with 64 callers spread over 2 service
 * instances (in this process, each on its own pool), every caller flipping its own switch (activate,
 * then deactivate), against a floor: the same SQL statements a flip runs (captured from the service's
 * transaction) issued directly with postgres.js by as many callers over as many connections, without our
 * code around them. And a storm: the time to activate 1,000 switches.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { createAuditEmitter, validateAuditEvent } from '@rtv/audit';
import { createDb } from '@rtv/db';
import { type KillSwitchService, createKillSwitchService } from '@rtv/policy';
import { sql as drizzleSql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
// The audit package's own statement builder (not public API): the floor sends the very statement the store does.
import { chainAppendStatement, pendingRecord } from '../../../audit/src/chain-append-statement';
import type { BenchEnvironment } from '../environment';
import type { BenchSettings } from '../settings';
import { type Spread, spread } from './check-path';

export interface WriteThroughputRound {
  round: number;
  loadBefore: number[];
  loadAfter: number[];
  oursFlipsPerSec: number;
  floorFlipsPerSec: number;
  ratio: number;
}

export interface WriteThroughputResult {
  callers: number;
  instances: number;
  connectionsPerInstance: number;
  rounds: WriteThroughputRound[];
  oursFlipsPerSec: Spread;
  floorFlipsPerSec: Spread;
  ratio: Spread;
  storm: { switches: number; method: string; ms: number; deactivateMs: number };
}

const CONNECTIONS_PER_INSTANCE = 10;

// The statements of one flip, as the service's transaction sends them (drizzle over postgres.js):
// the row locked, its fields written, a history row, then ONE last statement appending the audit
// record, moving the chain head and bumping the state version (chain-append-statement.ts).
const LOCK = `select "id", "client_id", "scope", "target_type", "target_value", "platform", "is_active", "reason", "activated_by", "activated_at", "expires_at", "auto_trip_config", "created_at", "updated_at" from "kill_switches" where "kill_switches"."id" in ($1) order by "kill_switches"."id" asc for update`;
const UPDATE = `UPDATE kill_switches AS k SET is_active = v.is_active, reason = v.reason,
      activated_by = v.activated_by, activated_at = v.activated_at, expires_at = v.expires_at, updated_at = v.updated_at
    FROM jsonb_to_recordset($1::jsonb) AS v(id text, is_active boolean, reason text, activated_by text,
      activated_at timestamptz, expires_at timestamptz, updated_at timestamptz)
    WHERE k.id = v.id`;
const HISTORY = `insert into "kill_switch_history" ("id", "seq", "kill_switch_id", "action", "previous_state", "new_state", "reason", "performed_by", "performed_at", "metadata") values ($1, default, $2, $3, $4, $5, $6, $7, $8, $9)`;
const dialect = new PgDialect();
const BUMP = drizzleSql`state_bumped AS (
    UPDATE kill_switch_state SET version = version + 1, updated_at = now() WHERE id = 1 RETURNING version)`;

const newId = (prefix: string) => `${prefix}${randomBytes(12).toString('base64url')}`;

/** The last statement of a flip, as text and parameters, built by the same function the store uses. */
function appendStatement(id: string, activate: boolean, now: Date): { sql: string; params: unknown[] } {
  const event = validateAuditEvent(
    {
      type: activate ? 'KILL_SWITCH_ACTIVATED' : 'KILL_SWITCH_DEACTIVATED',
      actor: 'bench',
      target: id,
      occurredAt: now,
      metadata: { trigger: 'manual', reason: 'benchmark write floor', previousState: !activate, newState: activate },
    },
    () => now.getTime(),
  );
  return dialect.sqlToQuery(
    chainAppendStatement([pendingRecord(event)], BUMP, drizzleSql`SELECT version FROM state_bumped`),
  );
}

async function floorFlip(sql: postgres.Sql, id: string, activate: boolean): Promise<void> {
  await sql.begin(async (tx) => {
    const now = new Date();
    await tx.unsafe(LOCK, [id]);
    const values = {
      id,
      is_active: activate,
      reason: activate ? 'benchmark write floor' : null,
      activated_by: activate ? 'bench' : null,
      activated_at: activate ? now.toISOString() : null,
      expires_at: null,
      updated_at: now.toISOString(),
    };
    await tx.unsafe(UPDATE, [JSON.stringify([values])]);
    const metadata = JSON.stringify({ trigger: 'manual', incidentId: null, expiresAt: null });
    await tx.unsafe(HISTORY, [
      newId('ksh_'),
      id,
      activate ? 'activated' : 'deactivated',
      !activate,
      activate,
      'benchmark write floor',
      'bench',
      now,
      metadata,
    ]);
    const last = appendStatement(id, activate, now);
    await tx.unsafe(last.sql, last.params as postgres.ParameterOrJSON<never>[]);
  });
}

/** `callers` loops, each flipping its own switch until the deadline; returns flips/s. */
async function flipLoop(
  ids: string[],
  flip: (id: string, activate: boolean) => Promise<unknown>,
  ms: number,
): Promise<number> {
  let flips = 0;
  const start = performance.now();
  const deadline = start + ms;
  await Promise.all(
    ids.map(async (id) => {
      let active = false;
      while (performance.now() < deadline) {
        await flip(id, !active);
        active = !active;
        flips++;
      }
      // Leave every switch off, as found (not timed).
      if (active) await flip(id, false);
    }),
  );
  return (flips / (performance.now() - start)) * 1000;
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
  const rounds: WriteThroughputRound[] = [];
  try {
    for (let round = 0; round < settings.rounds; round++) {
      const loadBefore = load();
      // Alternate which goes first, so drift within a round does not favour one.
      let ours = 0;
      let floor = 0;
      if (round % 2 === 0) {
        ours = await flipLoop(oursIds, oursFlip, settings.writeRunMs);
        floor = await flipLoop(floorIds, (id, a) => floorFlip(sql, id, a), settings.writeRunMs);
      } else {
        floor = await flipLoop(floorIds, (id, a) => floorFlip(sql, id, a), settings.writeRunMs);
        ours = await flipLoop(oursIds, oursFlip, settings.writeRunMs);
      }
      rounds.push({
        round,
        loadBefore,
        loadAfter: load(),
        oursFlipsPerSec: ours,
        floorFlipsPerSec: floor,
        ratio: ours / floor,
      });
    }

    // The storm: 1,000 switches at once.
    const stormIds = (await create(settings.stormSwitches, 'storm')).map((s) => s.id);
    const method = 'service.activateMany (one transaction)';
    const t0 = performance.now();
    await first.service.activateMany(
      stormIds.map((id) => ({ id, reason: 'benchmark storm of activations', activatedBy: 'bench' })),
    );
    const ms = performance.now() - t0;
    const t1 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: callers }, async (_, c) => {
        const service = (instances[c % 2] ?? first).service;
        while (next < stormIds.length) {
          const id = stormIds[next++] as string;
          await service.deactivate({ id, reason: 'benchmark storm is over', deactivatedBy: 'bench' });
        }
      }),
    );
    const deactivateMs = performance.now() - t1;
    return {
      callers,
      instances: instances.length,
      connectionsPerInstance: CONNECTIONS_PER_INSTANCE,
      rounds,
      oursFlipsPerSec: spread(rounds.map((r) => r.oursFlipsPerSec)),
      floorFlipsPerSec: spread(rounds.map((r) => r.floorFlipsPerSec)),
      ratio: spread(rounds.map((r) => r.ratio)),
      storm: { switches: stormIds.length, method, ms, deactivateMs },
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
