/**
 * `pnpm bench:time-to-halt [trials]`: the time-to-halt-by-receipts
 * scenario alone (8 reader processes), on a throwaway database and Redis
 * prefix, printing its figures as JSON. The full `pnpm bench` runs it too.
 */
import { createBenchEnvironment } from './environment';
import { benchTimeToHalt } from './scenarios/time-to-halt';

const trials = Number(process.argv[2] ?? 10);
const env = await createBenchEnvironment();
try {
  const result = await benchTimeToHalt(env, {
    propagationReaders: 8,
    propagationTrials: Number.isInteger(trials) && trials > 0 ? trials : 10,
    propagationPollMs: 1000,
  });
  console.log(JSON.stringify(result, null, 2));
} finally {
  await env.teardown();
}
