/**
 * Telling the fleet after a commit, off the write's path: one notice per
 * commit with its exact changes (or the changes since what this instance
 * last had), then the full snapshot into Redis, paced (seed-pacer.ts), for
 * cold instances and readers that missed a version. Single flight with one
 * trailing run, so a burst of writes makes few publications; the write never
 * waits on Redis.
 */
import { withDeadline } from '@rtv/db';
import type { Snapshot } from '../check/snapshot';
import type { ChangeBus, ChangeNotice } from '../ports';
import { MAX_NOTICE_CHANGES } from './change-notice';
import { type CommittedChange, diffSnapshots } from './delta';
import { changesOf } from './delta-intake';
import { createSeedPacer } from './seed-pacer';
import type { SnapshotSlot } from './snapshot-slot';
import type { SyncStep } from './sync-step';

export interface Publication {
  /**
   * Publishes soon: the commit's own delta when given (exact, whatever others committed around
   * it), else the changes since `before`, what the fleet is assumed to hold; then the snapshot.
   */
  schedule(before: Snapshot | undefined, commit?: CommittedChange): void;
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

/** A burst writes the whole snapshot to Redis at most this often... */
const SEED_MIN_INTERVAL_MS = 100;
/** ... and the first write of a change this long after its notice (seed-pacer.ts says why). */
const SEED_FIRST_DELAY_MS = 25;

export function createPublication(options: PublicationOptions): Publication {
  const { slot, step, bus, report } = options;
  let base: Snapshot | undefined;
  let baseSet = false;
  // The deltas of commits not yet published, and whether a change without one (a sweep) waits too.
  let commitNotices: ChangeNotice[] = [];
  let diffWanted = false;
  let inFlight: Promise<void> | undefined;
  let again = false;
  const seeds = createSeedPacer(
    async () => {
      const snapshot = slot.current;
      if (snapshot) await step.seedCache(snapshot, 'if-newer');
    },
    SEED_MIN_INTERVAL_MS,
    SEED_FIRST_DELAY_MS,
  );

  function noticeFor(snapshot: Snapshot, from: Snapshot | undefined): ChangeNotice {
    const notice: ChangeNotice = { version: snapshot.version, databaseId: snapshot.databaseId };
    if (!from || from.version >= snapshot.version || from.databaseId !== snapshot.databaseId) return notice;
    const changes = diffSnapshots(from, snapshot);
    return changes.length <= MAX_NOTICE_CHANGES ? { ...notice, base: from.version, changes } : notice;
  }

  async function send(notice: ChangeNotice): Promise<void> {
    try {
      await withDeadline(bus.publish(notice), options.operationTimeoutMs, 'change publish');
    } catch (error) {
      report(error, 'publish');
    }
  }

  async function publishOnce(): Promise<void> {
    const snapshot = slot.current;
    const from = base;
    const notices = commitNotices;
    const diff = diffWanted;
    base = undefined;
    baseSet = false;
    commitNotices = [];
    diffWanted = false;
    if (!snapshot) return;
    if (diff) notices.push(noticeFor(snapshot, from));
    // The notices first: readers at their base patch at once, and a reader's poll cannot see the
    // new version in Redis before the notice that would spare it reading the whole snapshot.
    await Promise.all(notices.map(send));
    seeds.request();
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
    schedule(before, commit) {
      const databaseId = before?.databaseId ?? slot.current?.databaseId;
      const changes = commit && changesOf(commit);
      if (commit && changes && databaseId && changes.length <= MAX_NOTICE_CHANGES) {
        commitNotices.push({ version: commit.version, databaseId, base: commit.version - 1, changes });
      } else {
        diffWanted = true;
      }
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
      await seeds.flush();
    },
  };
}
