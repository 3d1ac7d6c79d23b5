/**
 * The commit time travelling with change notices, without touching the
 * publication: the bus handed to the sync is wrapped so an outgoing notice
 * carries the earliest local commit it announces, and an incoming one leaves
 * its commit time here for the instance to measure its apply lag against.
 */
import type { ChangeBus } from '../ports';

/** Enough for notices that arrive before their version is applied; older ones no longer matter. */
const REMEMBERED = 64;

export interface CommitTimes {
  /** A local write committed at `at`: the next notice this instance publishes carries it. */
  committed(at: number): void;
  /** The commit time known for `version` (heard in a notice, or this instance's own write in flight). */
  of(version: number): number | undefined;
  /** The bus the sync should use: stamps what it publishes, remembers what it hears. */
  wrap(bus: ChangeBus): ChangeBus;
}

export function createCommitTimes(): CommitTimes {
  const byVersion = new Map<number, number>();
  let pending: number | undefined;
  const remember = (version: number, at: number) => {
    byVersion.set(version, at);
    if (byVersion.size > REMEMBERED) byVersion.delete(byVersion.keys().next().value as number);
  };
  return {
    committed(at) {
      // A coalesced publication announces several commits: the earliest is the honest start of its clock.
      pending = pending === undefined ? at : Math.min(pending, at);
    },
    of(version) {
      return byVersion.get(version) ?? pending;
    },
    wrap(bus) {
      return {
        publish(notice) {
          const committedAt = pending;
          pending = undefined;
          if (committedAt === undefined) return bus.publish(notice);
          remember(notice.version, committedAt);
          return bus.publish({ ...notice, committedAt });
        },
        subscribe(onNotice) {
          return bus.subscribe((notice) => {
            if (notice.committedAt !== undefined) remember(notice.version, notice.committedAt);
            onNotice(notice);
          });
        },
      };
    },
  };
}
