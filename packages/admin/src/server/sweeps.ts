/**
 * The server's background work: bypasses whose time is up re-engage their
 * switch, lapsed release requests expire. A timer that never keeps the
 * process alive; failures are logged and retried on the next tick.
 */
import { endExpiredBypasses } from '../release/bypass';
import { expireLapsedRequests } from '../release/release-requests';
import type { AdminContext } from './admin-context';

export interface Sweeps {
  /** Runs one sweep now (tests, and the CLI's one-shot use). */
  runOnce(): Promise<void>;
  stop(): void;
}

export function startSweeps(ctx: AdminContext): Sweeps {
  let running: Promise<void> | undefined;
  const runOnce = async () => {
    await endExpiredBypasses(ctx);
    await expireLapsedRequests(ctx);
  };
  const tick = () => {
    if (running) return;
    running = runOnce()
      .catch((error) => ctx.logger.warn({ error: String(error) }, 'admin sweep failed; retrying on the next tick'))
      .finally(() => {
        running = undefined;
      });
  };
  const interval = ctx.settings.sweepIntervalMs;
  const timer = interval > 0 ? setInterval(tick, interval) : undefined;
  timer?.unref();
  const every = ctx.options.checkpointIntervalMs ?? 0;
  const sealer = ctx.checkpoints;
  const sealTimer =
    every > 0 && sealer
      ? setInterval(() => {
          sealer.seal().catch((error) => ctx.logger.warn({ error: String(error) }, 'sealing a checkpoint failed'));
        }, every)
      : undefined;
  sealTimer?.unref();
  return {
    runOnce,
    stop: () => {
      clearInterval(timer);
      clearInterval(sealTimer);
    },
  };
}
