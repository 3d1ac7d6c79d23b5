/**
 * The demo's publishing service: publishes posts for each client on each
 * platform, asking the kill switches before every post (through the
 * execution gate, which also feeds the auto-trip monitor).
 */
import type { IncidentService, KillSwitchService } from '@rtv/policy';
import { type DemoWorker, type TripReport, createTrafficWorker } from './traffic';

export interface DemoServiceOptions {
  service: KillSwitchService;
  incidents: IncidentService;
  /** Pause between rounds of calls. @default 25 */
  tickMs?: number;
  onTrip?: (trip: TripReport) => void;
  onError?: (error: unknown) => void;
}

export function createPublishingService(options: DemoServiceOptions): DemoWorker {
  return createTrafficWorker({
    ...options,
    name: 'publishing-service',
    action: 'publish',
    tickMs: options.tickMs ?? 25,
  });
}
