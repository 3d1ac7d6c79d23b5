/**
 * Telling the fleet after a commit, off the write's path: the full snapshot
 * into Redis (for cold instances) and a notice carrying the changes since
 * what this instance last had. Single flight with one trailing run, so a
 * burst of writes makes few publications; the write never waits on Redis.
 */
import { withDeadline } from '@rtv/db';
import type { Snapshot } from '../check/snapshot';
import type { ChangeBus, ChangeNotice } from '../ports';
import { MAX_NOTICE_CHANGES } from './change-notice';
import { diffSnapshots } from './delta';
import type { SnapshotSlot } from './snapshot-slot';
import type { SyncStep } from './sync-step';

export interface Publication {
  /** Publishes the current snapshot soon; `before` is what the fleet is assumed to hold (the delta's base). */
  schedule(before: Snapshot | undefined): void;
  /** Resolves once nothing is being published. */
  idle(): Promise<void>;
}

export interface PublicationOptions {
  slot: SnapshotSlot;
  step: Pick<SyncStep, 'seedCache'>;
  bus: ChangeBus;
  operationTimeoutMs: number;
  report: (error: unknown, during: string) => void;
}

export function createPublication(options: PublicationOptions): Publication {
  const { slot, step, bus, report } = options;
  let base: Snapshot | undefined;
  let baseSet = false;
  let inFlight: Promise<void> | undefined;
  let again = false;

  function noticeFor(snapshot: Snapshot, from: Snapshot | undefined): ChangeNotice {
    const notice: ChangeNotice = { version: snapshot.version, databaseId: snapshot.databaseId };
    if (!from || from.version >= snapshot.version || from.databaseId !== snapshot.databaseId) return notice;
    const changes = diffSnapshots(from, snapshot);
    return changes.length <= MAX_NOTICE_CHANGES ? { ...notice, base: from.version, changes } : notice;
  }

  async function publishOnce(): Promise<void> {
    const snapshot = slot.current;
    const from = base;
    base = undefined;
    baseSet = false;
    if (!snapshot) return;
    await step.seedCache(snapshot, 'if-newer');
    try {
      await withDeadline(bus.publish(noticeFor(snapshot, from)), options.operationTimeoutMs, 'change publish');
    } catch (error) {
      report(error, 'publish');
    }
  }

  function run(): Promise<void> {
    inFlight ??= (async () => {
      do {
        again = false;
        await publishOnce();
      } while (again);
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  return {
    schedule(before) {
      // The oldest state not yet published is what the others still hold.
      if (!baseSet) {
        base = before;
        baseSet = true;
      }
      if (inFlight) again = true;
      else void run();
    },
    async idle() {
      while (inFlight) await inFlight;
    },
  };
}
