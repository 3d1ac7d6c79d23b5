/**
 * The demo's engagement worker: likes and replies for each client on each
 * platform, a different action from publishing, so a platform switch is seen
 * to stop both services while an action switch would stop only one.
 */
import type { DemoServiceOptions } from './publishing-service';
import { type DemoWorker, createTrafficWorker } from './traffic';

export function createEngagementWorker(options: DemoServiceOptions): DemoWorker {
  return createTrafficWorker({ ...options, name: 'engagement-worker', action: 'engage', tickMs: options.tickMs ?? 25 });
}
