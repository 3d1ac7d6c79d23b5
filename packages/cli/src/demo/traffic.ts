/**
 * What the demo's two services share: a loop that, for every client and
 * platform, asks the execution gate before calling a (fake) platform API, and
 * counts what happened. The fake API can be told to fail for one client on
 * one platform: that is the error spike the auto-trip monitor reacts to.
 */
import { silentLogger } from '@rtv/audit';
import {
  type AutoTripEvent,
  type AutoTripMonitor,
  type IncidentService,
  type KillSwitchService,
  createAutoTripMonitor,
  createExecutionGate,
  isKillSwitchTrippedError,
} from '@rtv/policy';

export const DEMO_CLIENTS = ['client_a', 'client_b'] as const;
export const DEMO_PLATFORMS = ['meta', 'tiktok'] as const;

export interface Tally {
  ok: number;
  failed: number;
  blocked: number;
}

/** Cumulative tallies keyed `client|platform`. */
export type Tallies = Record<string, Tally>;

export const tallyKey = (clientId: string, platform: string) => `${clientId}|${platform}`;

export function emptyTallies(): Tallies {
  const tallies: Tallies = {};
  for (const clientId of DEMO_CLIENTS) {
    for (const platform of DEMO_PLATFORMS) tallies[tallyKey(clientId, platform)] = { ok: 0, failed: 0, blocked: 0 };
  }
  return tallies;
}

/** An outage of the platform API for one client (the spike), or none. */
export interface Outage {
  clientId: string;
  platform: string;
}

/** A trip, as the demo reports it (plain data: it crosses process boundaries). */
export interface TripReport {
  worker: string;
  switchId: string;
  clientId: string | null;
  target: string;
  errorRate: number;
  samples: number;
  incidentId: string | null;
  changed: boolean;
}

export interface DemoWorker {
  readonly name: string;
  tallies(): Tallies;
  setOutage(outage: Outage | null): void;
  /** Starts the loop; all timers unref()ed. */
  start(): void;
  /** Stops the loop and waits for calls and trips in flight. */
  close(): Promise<void>;
}

export interface TrafficWorkerOptions {
  name: string;
  /** The action this service performs before which it checks. */
  action: string;
  service: KillSwitchService;
  incidents: IncidentService;
  tickMs: number;
  onTrip?: (trip: TripReport) => void;
  onError?: (error: unknown) => void;
}

/** The demo's auto-trip rule: half of a client's meta calls failing in 2 s (20 calls at least). */
export const DEMO_AUTO_TRIP_CONFIG = {
  windowMs: 2000,
  checkIntervalMs: 500,
  cooldownMs: 60_000,
  thresholds: { 'platform:meta': { errorRate: 0.5, minSamples: 20 } },
};

class PlatformApiError extends Error {}

export function createTrafficWorker(options: TrafficWorkerOptions): DemoWorker {
  const { name, action, service } = options;
  const tallies = emptyTallies();
  let outage: Outage | null = null;
  const monitor: AutoTripMonitor = createAutoTripMonitor({
    killSwitchService: service,
    incidents: options.incidents,
    config: DEMO_AUTO_TRIP_CONFIG,
    onTrip(event: AutoTripEvent) {
      options.onTrip?.({
        worker: name,
        switchId: event.switchId,
        clientId: event.clientId,
        target: event.target,
        errorRate: event.errorRate,
        samples: event.samples,
        incidentId: event.incidentId,
        changed: event.changed,
      });
    },
    logger: { ...silentLogger, error: (fields) => options.onError?.(fields.err) },
  });
  const gate = createExecutionGate({ killSwitchService: service, monitor, onRecordError: options.onError });

  // The fake platform API: answers at once, fails during an outage for that client and platform.
  const callPlatform = async (clientId: string, platform: string) => {
    if (outage && outage.clientId === clientId && outage.platform === platform) {
      throw new PlatformApiError(`${platform} answered 500 for ${clientId}`);
    }
  };

  async function tick(): Promise<void> {
    const calls: Promise<void>[] = [];
    for (const clientId of DEMO_CLIENTS) {
      for (const platform of DEMO_PLATFORMS) {
        const tally = tallies[tallyKey(clientId, platform)] as Tally;
        calls.push(
          gate
            .run({ clientId, action, platform }, () => callPlatform(clientId, platform))
            .then(
              () => {
                tally.ok++;
              },
              (error: unknown) => {
                if (isKillSwitchTrippedError(error)) tally.blocked++;
                else if (error instanceof PlatformApiError) tally.failed++;
                else options.onError?.(error);
              },
            ),
        );
      }
    }
    await Promise.all(calls);
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  return {
    name,
    tallies: () => tallies,
    setOutage(next) {
      outage = next;
    },
    start() {
      const loop = () => {
        if (stopped) return;
        running = tick().finally(() => {
          if (!stopped) {
            timer = setTimeout(loop, options.tickMs);
            timer.unref();
          }
        });
      };
      loop();
    },
    async close() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await monitor.close();
    },
  };
}
