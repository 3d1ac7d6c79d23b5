/**
 * `pnpm demo`: the story of the kill-switch suite in about fifteen seconds,
 * on the embedded default (PGlite in memory, no server), or with
 * DATABASE_URL and REDIS_URL on the real servers with the two services as
 * separate processes. Exits 0 when every claim of the story held, 1 otherwise,
 * so CI catches a broken demo.
 */
import { paletteFor } from '../format/color';
import { type LiveView, createLiveView } from './live-view';
import { type OpenStage, openEmbeddedStage, openServerStage } from './stage';
import { DEFAULT_TIMELINE, runStory } from './story';
import type { TripReport } from './traffic';

const DEMO_TIMEOUT_MS = 90_000;

async function main(): Promise<number> {
  const palette = paletteFor(process.stdout, process.env);
  const view: LiveView = createLiveView((line) => process.stdout.write(`${line}\n`), palette, Date.now);
  const events = {
    onTrip(trip: TripReport) {
      if (!trip.changed) return;
      view.event(
        `auto-trip (${trip.worker}): ${trip.target} for ${trip.clientId ?? 'all clients'} at ${Math.round(trip.errorRate * 100)}% errors over ${trip.samples} calls -> switch ${trip.switchId} active, incident ${trip.incidentId ?? '-'}`,
      );
    },
    onError(error: unknown, worker: string) {
      view.line(`  (${worker}) ${error instanceof Error ? error.message : String(error)}`);
    },
  };

  const { DATABASE_URL, REDIS_URL } = process.env;
  const onServers = Boolean(DATABASE_URL && REDIS_URL);
  view.line(palette.bold('Kill switches for autonomous work: the demo'));
  view.line('A publishing service and an engagement worker ask "may I?" before every action.');
  let stage: OpenStage;
  if (onServers && DATABASE_URL && REDIS_URL) {
    view.line('Writes demo switches, incidents and audit records to DATABASE_URL: use a scratch database.');
    stage = await openServerStage({ ...process.env, DATABASE_URL, REDIS_URL }, events);
  } else {
    if (DATABASE_URL || REDIS_URL) {
      view.line('Only one of DATABASE_URL and REDIS_URL is set: the demo needs both for the real servers.');
    }
    stage = await openEmbeddedStage(events);
  }
  view.line(palette.dim(stage.description));
  let result: Awaited<ReturnType<typeof runStory>>;
  try {
    // Across processes a lost pub/sub message costs up to one version poll (1 s): give changes that long to land.
    result = await runStory(stage, view, onServers ? { ...DEFAULT_TIMELINE, settleMs: 1300 } : DEFAULT_TIMELINE);
  } finally {
    await stage.close();
  }
  view.line('');
  if (result.ok) {
    view.line(palette.green(palette.bold('The story held: every check passed.')));
    view.line('Next: `pnpm --filter @rtv/cli... build && node packages/cli/dist/cli.js --help` for the operator CLI.');
    return 0;
  }
  view.line(palette.red(palette.bold(`The demo FAILED: ${result.failures.length} check(s) did not hold:`)));
  for (const failure of result.failures) view.line(`  - ${failure}`);
  return 1;
}

const watchdog = setTimeout(() => {
  process.stderr.write(`demo: did not finish within ${DEMO_TIMEOUT_MS / 1000}s\n`);
  process.exit(1);
}, DEMO_TIMEOUT_MS);
watchdog.unref();

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
