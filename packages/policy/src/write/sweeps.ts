/**
 * The writes no caller asks for: switches past their expiry turned off, and
 * gradual restarts moved to their next step. Each is one bounded store
 * write, published like any other.
 */
import type { Metrics, SwitchStore, WriteOptions } from '../ports';
import type { PublishCommitted } from './commit-publisher';

type Guarded = <T>(what: string, run: (left: () => WriteOptions) => Promise<T>) => Promise<T>;

export function createSweeps(options: {
  store: Pick<SwitchStore, 'expireDue' | 'advanceRestarts'>;
  metrics: Metrics;
  guarded: Guarded;
  publishCommitted: PublishCommitted;
}) {
  const { store, metrics, guarded, publishCommitted } = options;
  return {
    async sweepExpired(): Promise<number> {
      const expired = await guarded('expiring kill switches', (left) => store.expireDue(left()));
      if (expired.length > 0) {
        metrics.increment('kill_switch_expired_total', {}, expired.length);
        await publishCommitted();
      }
      return expired.length;
    },
    async sweepRestarts(): Promise<number> {
      const moved = await guarded('advancing gradual restarts', (left) => store.advanceRestarts(left()));
      if (moved.length > 0) {
        metrics.increment('kill_switch_restart_steps_total', {}, moved.length);
        await publishCommitted();
      }
      return moved.length;
    },
  };
}
