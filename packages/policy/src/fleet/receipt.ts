/**
 * What a receipt says, computed from what the collector saw: which live
 * instances applied the version (or a later one) and how long after the
 * commit, and which did not, with their last known state. Pure, so the
 * arithmetic is tested without servers.
 */
import type { InstanceHealth, InstanceRecord } from '../ports';
import { isLive } from './instance-record';

/** An instance that did not confirm: still heartbeating on an older version (lagging), or silent past its TTL (lost). */
export interface UnconfirmedInstance {
  instanceId: string;
  serviceName: string;
  host: string;
  pid: number;
  state: 'lagging' | 'lost';
  /** The version it last reported. */
  version: number;
  health: InstanceHealth;
  /** When it was last heard from (ms since the epoch). */
  heartbeatAt: number;
}

export interface ConfirmedInstance {
  instanceId: string;
  serviceName: string;
  host: string;
  pid: number;
  /** Commit to apply. An instance that went past the version reports its later apply: an upper bound. */
  lagMs: number;
}

/** The fleet's answer to "did it stop everywhere, and how fast?" for one version. */
export interface FleetReceipt {
  version: number;
  /** When the write committed (ms since the epoch, the writer's clock). */
  committedAt: number;
  /** Live instances the change had to reach: live at any point of the collection. */
  expected: number;
  applied: number;
  /** Every expected instance applied it (false when the registry never answered: nothing is known). */
  complete: boolean;
  /** False when no read of the registry succeeded during the collection (Redis down). */
  registryAnswered: boolean;
  /** Apply lags of the confirmed instances; null when none confirmed. */
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** Commit to the last instance applied: `maxMs` when complete, else null (the fleet did not all halt). */
  timeToHaltMs: number | null;
  /** How long the collector waited. */
  waitedMs: number;
  confirmed: ConfirmedInstance[];
  unconfirmed: UnconfirmedInstance[];
}

/** What the collector accumulated: every record of interest, and when each first showed the version. */
export interface ReceiptObservations {
  version: number;
  committedAt: number;
  startedAt: number;
  /** The latest record of each instance that was live at some read. */
  expected: Map<string, InstanceRecord>;
  /** When each instance applied the version (or a later one), as first seen. */
  appliedAt: Map<string, number>;
  /** At least one registry read succeeded. */
  answered: boolean;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? null;
}

export function buildReceipt(seen: ReceiptObservations, now: number): FleetReceipt {
  const confirmed: ConfirmedInstance[] = [];
  const unconfirmed: UnconfirmedInstance[] = [];
  for (const [id, record] of seen.expected) {
    const { serviceName, host, pid } = record;
    const appliedAt = seen.appliedAt.get(id);
    if (appliedAt !== undefined) {
      confirmed.push({ instanceId: id, serviceName, host, pid, lagMs: Math.max(0, appliedAt - seen.committedAt) });
      continue;
    }
    const state = isLive(record, now) ? 'lagging' : 'lost';
    unconfirmed.push({
      instanceId: id,
      serviceName,
      host,
      pid,
      state,
      version: record.version,
      health: record.health,
      heartbeatAt: record.heartbeatAt,
    });
  }
  const lags = confirmed.map((c) => c.lagMs).sort((a, b) => a - b);
  const complete = unconfirmed.length === 0 && seen.answered;
  const maxMs = lags.length === 0 ? null : (lags[lags.length - 1] ?? null);
  // Lost first, then lagging: what the operator must look at.
  unconfirmed.sort((a, b) =>
    a.state === b.state ? a.instanceId.localeCompare(b.instanceId) : a.state === 'lost' ? -1 : 1,
  );
  return {
    version: seen.version,
    committedAt: seen.committedAt,
    expected: seen.expected.size,
    applied: confirmed.length,
    complete,
    registryAnswered: seen.answered,
    p50Ms: percentile(lags, 50),
    p99Ms: percentile(lags, 99),
    maxMs,
    timeToHaltMs: complete ? maxMs : null,
    waitedMs: Math.max(0, now - seen.startedAt),
    confirmed: confirmed.sort((a, b) => b.lagMs - a.lagMs),
    unconfirmed,
  };
}

/** "stopped on 40/40 instances, p99 42 ms" and the like: one line for operators and the demo. */
export function describeReceipt(receipt: FleetReceipt, verb = 'applied'): string {
  const counts = `${verb} on ${receipt.applied}/${receipt.expected} instance${receipt.expected === 1 ? '' : 's'}`;
  if (!receipt.registryAnswered) return `${counts}: the fleet registry did not answer`;
  if (receipt.expected === 0) return `${counts} (no instance registered)`;
  const timing = receipt.maxMs === null ? '' : `, p99 ${receipt.p99Ms} ms, max ${receipt.maxMs} ms`;
  if (receipt.complete) return `${counts}${timing}`;
  const names = receipt.unconfirmed.map(
    (u) => `${u.instanceId} (${u.serviceName}@${u.host} pid ${u.pid}, ${u.state} at v${u.version})`,
  );
  return `${counts}${timing}; NOT confirmed: ${names.join(', ')}`;
}
