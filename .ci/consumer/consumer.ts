/**
 * A service as a user writes it, outside the workspace, on the installed
 * tarballs (ESM, `import`): `node out/consumer.js postgres` runs on
 * DATABASE_URL and REDIS_URL under KEY_PREFIX; `node out/consumer.js
 * embedded <dir>` runs on the embedded database. Each creates, activates
 * and sees a switch, serves /healthz and /metrics through @rtv/http, and
 * closes everything so the process exits on its own.
 */
import { spawnSync } from 'node:child_process';
import { createAuditEmitter } from '@rtv/audit';
import { type DbHandle, createDb, migrate } from '@rtv/db';
import { createEmbeddedDb, isEmbeddedDatabaseLockedError } from '@rtv/db/pglite';
import { createPromMetrics, healthResponse, metricsResponse, registerKillSwitchMetrics } from '@rtv/http';
import { type KillSwitchService, createKillSwitchService, createKillSwitchTestKit } from '@rtv/policy';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`consumer: ${what}`);
  console.log(`  ok: ${what}`);
}

async function sees(service: KillSwitchService, id: string, who: string): Promise<void> {
  await service.ready();
  const result = await service.isTripped({ clientId: 'client_a', action: 'publish', platform: 'meta' });
  check(result.tripped && result.switch?.id === id, `${who} sees the switch: tripped by ${result.switch?.id}`);
}

async function run(handle: DbHandle, redis: Redis | undefined, keyPrefix: string): Promise<void> {
  const registry = new Registry();
  const audit = createAuditEmitter({ db: handle.db });
  const options = { db: handle.db, redis, audit, keyPrefix, sweepIntervalMs: 0 };
  // timeEachCheck: the histogram then holds every check, not a one-in-64 sample.
  const writer = createKillSwitchService({ ...options, metrics: createPromMetrics(registry), timeEachCheck: true });
  const services = [writer];
  try {
    await writer.ready();
    const created = await writer.create({
      scope: 'platform',
      targetType: 'platform',
      targetValue: 'meta',
      createdBy: 'consumer',
    });
    await writer.activate({ id: created.id, reason: 'consumer check: meta is failing', activatedBy: 'consumer' });
    await sees(writer, created.id, 'the writer');
    // Another instance, started after the change: it loads the state from the stores.
    const reader = createKillSwitchService(options);
    services.push(reader);
    await sees(reader, created.id, 'a second instance');
    // The activation's receipt: the writer was the only instance then, and it applied the change.
    const receipt = await writer.fleet.awaitReceipt();
    check(receipt.complete && receipt.applied === 1, `the receipt says ${receipt.applied}/${receipt.expected} applied`);

    registerKillSwitchMetrics(registry, { service: writer, fleet: writer.fleet });
    const metrics = await metricsResponse(registry);
    check(/kill_switch_checks_tripped_total 1\b/.test(metrics.body), '/metrics counts the tripped check');
    check(/kill_switch_check_duration_seconds_count 1\b/.test(metrics.body), '/metrics serves the check histogram');
    check(/kill_switch_fleet_instances_seen 2\b/.test(metrics.body), '/metrics counts both instances in the fleet');
    const health = await healthResponse(writer);
    check(health.status === 200, `/healthz answers ${health.status}`);
  } finally {
    for (const service of services) await service.close();
    await audit.close();
  }
}

async function onPostgres(): Promise<void> {
  const url = process.env.DATABASE_URL;
  const redisUrl = process.env.REDIS_URL;
  const keyPrefix = process.env.KEY_PREFIX;
  if (!url || !redisUrl || !keyPrefix) throw new Error('consumer postgres: DATABASE_URL, REDIS_URL and KEY_PREFIX');
  const handle = createDb(url, { max: 4 });
  // The README's settings for a service's client.
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    commandTimeout: 500,
  });
  try {
    await redis.connect();
    await migrate(handle.db); // after `rtv-ks migrate`: a no-op, as it must be
    await run(handle, redis, keyPrefix);
  } finally {
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await handle.close();
  }
}

async function onEmbedded(dir: string): Promise<void> {
  const handle = await createEmbeddedDb(dir);
  try {
    await migrate(handle.db);
    await run(handle, undefined, 'rtv:consumer:');
    // The operator CLI on the directory this service holds is refused (exit 5), never a silent write.
    const { DATABASE_URL: _unused, ...env } = process.env;
    const cli = spawnSync('npx', ['--no-install', 'rtv-ks', 'list'], {
      env: { ...env, RTV_DATA_DIR: dir, NO_COLOR: '1' },
      encoding: 'utf8',
    });
    check(
      cli.status === 5 && cli.stderr.includes(`process ${process.pid}`),
      `rtv-ks on the busy directory exits ${cli.status}: ${cli.stderr.trim()}`,
    );
    const second = await createEmbeddedDb(dir).catch((error: unknown) => error);
    check(isEmbeddedDatabaseLockedError(second), 'a second open in this process is refused');
  } finally {
    await handle.close();
  }
}

/** The test kit a consumer's own tests use: the real service on memory adapters, a clock, faults. */
async function onTestKit(): Promise<void> {
  const kit = createKillSwitchTestKit();
  const ctx = { clientId: 'consumer', action: 'publish', platform: 'meta' };
  await kit.trip({ scope: 'platform', targetType: 'platform', targetValue: 'meta' });
  check((await kit.service.isTripped(ctx)).tripped, 'the test kit trips a platform');
  await kit.faults.makeStale();
  check(kit.service.check(ctx).reason?.startsWith('Kill-switch state unavailable') === true, 'the test kit goes stale');
  await kit.close();
}

const [mode, dir] = process.argv.slice(2);
if (mode === 'postgres') await onPostgres();
else if (mode === 'embedded' && dir) await onEmbedded(dir);
else if (mode === 'test-kit') await onTestKit();
else throw new Error('usage: consumer.js postgres | embedded <dir> | test-kit');
console.log(`consumer ${mode}: passed`);
