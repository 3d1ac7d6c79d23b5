/**
 * How changes become this instance's snapshot without reading it whole: the
 * notices of other instances and this instance's own commits are deltas,
 * applied in version order (pending-deltas.ts). A gap that the missing notice
 * does not fill within a moment is closed by reading the named version from
 * Redis, else from PostgreSQL.
 */
import { toSummary, toSwitchPayload } from '../check/snapshot';
import type { ChangeNotice, Metrics, SwitchChange } from '../ports';
import type { CommittedChange } from './delta';
import { type Delta, createPendingDeltas, isDelta } from './pending-deltas';
import type { SnapshotSlot } from './snapshot-slot';
import type { SyncStep } from './sync-step';

export interface DeltaIntakeOptions {
  slot: SnapshotSlot;
  step: Pick<SyncStep, 'readCacheAtLeast'>;
  /** Loads from PostgreSQL unless this instance already holds `version`. */
  holdAtLeast(version: number): Promise<void>;
  /**
   * How long a missing version's notice is waited for. Real time, not the service's clock: it
   * bounds a message's delivery, and a write must never wait on a test clock nobody moves.
   */
  graceMs: number;
  /** Counts versions applied from deltas (`kill_switch_deltas_applied_total`). */
  metrics: Metrics;
  report: (error: unknown, during: string) => void;
}

export interface DeltaIntake {
  /** True once any notice arrived: pub/sub works here. */
  readonly noticesArrive: boolean;
  takeNotice(notice: ChangeNotice): Promise<void>;
  /** This instance's own commit: held when this resolves (patched in, or loaded if the versions before it lag). */
  takeCommit(commit: CommittedChange): Promise<void>;
  stop(): void;
}

/** What a commit changed, as a notice says it: the switch's new form, or null once it no longer blocks. */
export function changesOf(commit: CommittedChange): SwitchChange[] {
  return commit.rows.map((row) => ({ id: row.id, switch: row.isActive ? toSwitchPayload(toSummary(row)) : null }));
}

const realDelay = (ms: number, run: () => void) => {
  const timer = setTimeout(run, ms);
  timer.unref?.();
  return () => clearTimeout(timer);
};

export function createDeltaIntake(options: DeltaIntakeOptions): DeltaIntake {
  const { slot, step, report } = options;
  const pending = createPendingDeltas();
  let noticesArrive = false;
  let cancelGapCheck: (() => void) | undefined;
  let stopped = false;

  function advance(): void {
    const current = slot.current;
    const next = current && pending.drain(current);
    if (next && slot.swap(next)) options.metrics.increment('kill_switch_deltas_applied_total');
  }

  /** Reads `version` in full: Redis when it holds it, else PostgreSQL; then what waits beyond it. */
  async function catchUp(version: number): Promise<void> {
    const current = slot.current;
    if (!current || current.version >= version) return;
    const full = await step.readCacheAtLeast(version, current.databaseId);
    if (full) slot.swap(full);
    else await options.holdAtLeast(version);
    advance();
  }

  /** A version is missing: give its notice a moment, then read. */
  function checkGapSoon(): void {
    if (cancelGapCheck || stopped) return;
    cancelGapCheck = realDelay(options.graceMs, () => {
      cancelGapCheck = undefined;
      const target = pending.highest();
      if (target === undefined || (slot.current?.version ?? -1) >= target) return;
      catchUp(target).catch((error) => report(error, 'catch-up'));
    });
  }

  /** Applies what it can now; `watchGap` when nobody else waits for the versions before it. */
  function takeDelta(delta: Delta, watchGap: boolean): void {
    pending.add(delta);
    advance();
    if (watchGap && (slot.current?.version ?? -1) < delta.version) checkGapSoon();
  }

  return {
    get noticesArrive() {
      return noticesArrive;
    },
    async takeNotice(notice) {
      noticesArrive = true;
      const current = slot.current;
      // Cold: the first load is under way. Foreign: another database's change, not ours.
      if (!current || notice.databaseId !== current.databaseId || notice.version <= current.version) return;
      if (isDelta(notice)) takeDelta(notice, true);
      else await catchUp(notice.version);
    },
    async takeCommit(commit) {
      const current = slot.current;
      if (current) {
        const { version } = commit;
        takeDelta({ version, databaseId: current.databaseId, base: version - 1, changes: changesOf(commit) }, false);
      }
      const held = () => (slot.current?.version ?? -1) >= commit.version;
      if (held()) return;
      // The versions before it are usually on their way from the other writers.
      const wait = slot.reach(commit.version);
      const cancel = realDelay(options.graceMs, wait.cancel);
      await wait.reached;
      cancel();
      if (!held()) await options.holdAtLeast(commit.version);
    },
    stop() {
      stopped = true;
      cancelGapCheck?.();
    },
  };
}
