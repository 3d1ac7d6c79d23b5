// Scratch (not committed): the stop-path scenarios alone.
import { createAuditEmitter } from '@rtv/audit';
import { createKillSwitchService } from '@rtv/policy';
import { createBenchEnvironment } from './environment';
import { benchPropagation } from './scenarios/propagation';
import { generateSnapshot, seedSnapshot } from './scenarios/realistic-snapshot';
import { benchWriteThroughput } from './scenarios/write-throughput';
import { benchSettings } from './settings';

const settings = {
  ...benchSettings(false),
  rounds: Number(process.env.ROUNDS ?? 2),
  propagationTrials: Number(process.env.TRIALS ?? 60),
};
const env = await createBenchEnvironment();
try {
  const audit = createAuditEmitter({ db: env.handle.db });
  const writer = createKillSwitchService({
    db: env.handle.db,
    redis: env.redis,
    audit,
    keyPrefix: env.keyPrefix,
    sweepIntervalMs: 0,
  });
  await seedSnapshot(writer, generateSnapshot(settings.snapshot));
  await writer.close();
  await audit.close();
  if (process.env.ONLY !== 'write') {
    const p = await benchPropagation(env, settings, 'pubsub');
    console.log(
      'propagation',
      JSON.stringify({ commit: p.fromCommitMs, bytes: p.bytesPerFlipPerInstance, timeouts: p.timeouts }),
    );
  }
  if (process.env.ONLY !== 'prop') {
    const w = await benchWriteThroughput(env, settings);
    console.log(
      'write',
      JSON.stringify({
        rounds: w.rounds.map((r) => [
          Math.round(r.oursFlipsPerSec),
          Math.round(r.floorFlipsPerSec),
          r.ratio.toFixed(3),
        ]),
        storm: w.storm,
      }),
    );
  }
} finally {
  await env.teardown();
}
