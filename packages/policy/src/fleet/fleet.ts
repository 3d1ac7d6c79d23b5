/**
 * The fleet side of one service: its registry membership (heartbeats and
 * acknowledgements), the commit time on its notices, and a receipt after
 * each change it writes, collected in the background (bounded, never
 * delaying the write's answer) and appended to the audit trail.
 */
import { setMaxListeners } from 'node:events';
import { type Logger, errorFields } from '@rtv/audit';
import type { Snapshot } from '../check/snapshot';
import { ValidationError } from '../errors';
import type { Clock, InstanceRecord, InstanceRegistry, Metrics, SwitchStore } from '../ports';
import type { SnapshotSync } from '../sync/snapshot-sync';
import type { TransitionResult } from '../types';
import { type CommitTimes, createCommitTimes } from './commit-times';
import type { DrillOptions, DrillResult } from './drill';
import { FLEET_ACTOR, FLEET_AUDIT_TYPES, receiptMetadata } from './fleet-audit';
import type { FleetSettings } from './fleet-options';
import { type InstanceMember, createInstanceMember } from './instance-member';
import { isLive } from './instance-record';
import type { FleetReceipt } from './receipt';
import { collectReceipt } from './receipt-collector';
import { type RecordQueue, createRecordQueue } from './record-queue';

/** An instance as `fleet.instances()` shows it: `behind` is live on an older version than the newest live one. */
export interface FleetInstance extends InstanceRecord {
  state: 'current' | 'behind' | 'lost';
}

export interface AwaitReceiptOptions {
  /** The version to confirm. @default the last change this service wrote */
  version?: number;
  /** For a version this service did not write: how long to wait. @default fleet.receiptTimeoutMs */
  timeoutMs?: number;
}

/** `service.fleet`: who is out there, and did they apply what was written. */
export interface KillSwitchFleet {
  /** This instance's id in the registry; undefined when it does not register. */
  readonly instanceId: string | undefined;
  /** Every instance in the registry, behind and lost ones first. */
  instances(): Promise<FleetInstance[]>;
  /**
   * The receipt of a change: for one this service wrote, the receipt it appends to the audit trail
   * (gathered for `fleet.receiptTimeoutMs` at most); otherwise gathered now, not recorded.
   */
  awaitReceipt(options?: AwaitReceiptOptions): Promise<FleetReceipt>;
  /** Runs a drill (see `runDrill`). */
  drill(options: DrillOptions): Promise<DrillResult>;
}

export interface FleetPartOptions {
  registry: InstanceRegistry;
  store: Pick<SwitchStore, 'appendAudit'>;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
  failOpen: boolean;
  operationTimeoutMs: number;
  writeTimeoutMs: number;
  fleet: FleetSettings;
}

/** What the service composes: hooks for the sync and the write path, and the public view. */
export interface FleetPart {
  readonly commitTimes: CommitTimes;
  readonly member: InstanceMember | undefined;
  /** The sync's `onApplied` hook. */
  applied(snapshot: Snapshot): void;
  /** After a write returned: start its receipt (no-op for unchanged results). */
  afterWrite(
    results: readonly TransitionResult[],
    operation: string,
    timeoutMs?: number,
  ): Promise<FleetReceipt> | undefined;
  start(sync: SnapshotSync): void;
  /** Finishes pending receipts now (recorded as they stand), then leaves the registry. */
  stop(): Promise<void>;
  instances(): Promise<FleetInstance[]>;
  awaitReceipt(options?: AwaitReceiptOptions): Promise<FleetReceipt>;
}

/** A receipt being gathered for one version, and the writes it covers (more join until it is recorded). */
interface PendingReceipt {
  receipt: Promise<FleetReceipt>;
  open: boolean;
  results: TransitionResult[];
  operations: Set<string>;
}

/** Receipts kept for `awaitReceipt`: a writer awaits its own latest; older ones only matter briefly. */
const KEPT_RECEIPTS = 32;

/** Counts a gathered receipt and appends it to the audit trail (grouped); a failed append is reported, never thrown. */
async function recordReceipt(
  deps: { metrics: Metrics; logger: Logger; recorded: RecordQueue },
  receipt: FleetReceipt,
  operation: string,
  results: readonly TransitionResult[],
): Promise<FleetReceipt> {
  const { metrics, logger } = deps;
  metrics.increment('kill_switch_receipts_total', { complete: String(receipt.complete) });
  if (receipt.timeToHaltMs !== null) metrics.observe('kill_switch_time_to_halt_seconds', receipt.timeToHaltMs / 1000);
  const single = results.length === 1 ? results[0]?.switch : undefined;
  try {
    await deps.recorded.append({
      type: FLEET_AUDIT_TYPES.receipt,
      actor: FLEET_ACTOR,
      target: single?.id ?? null,
      clientId: single?.clientId ?? null,
      metadata: { operation, switchIds: results.map((r) => r.switch.id), ...receiptMetadata(receipt) },
    });
  } catch (error) {
    metrics.increment('kill_switch_receipt_errors_total');
    logger.warn({ ...errorFields(error), during: 'receipt' }, 'kill-switch receipt could not be recorded');
  }
  return receipt;
}

export function createFleetPart(options: FleetPartOptions): FleetPart {
  const { registry, store, clock, metrics, logger, fleet } = options;
  const commitTimes = createCommitTimes();
  const member = fleet.register ? createInstanceMember({ ...options, commitTimes, ...fleet }) : undefined;
  const closing = new AbortController();
  // One listener per receipt being gathered (a burst of 64 writers has 64 at once), each removed when it ends.
  setMaxListeners(0, closing.signal);
  const receipts = new Map<number, PendingReceipt>();
  let lastWritten: number | undefined;
  let sync: SnapshotSync | undefined;
  const recorded = createRecordQueue((events) => store.appendAudit(events, { timeoutMs: options.writeTimeoutMs }));

  const record = (receipt: FleetReceipt, operation: string, results: readonly TransitionResult[]) =>
    recordReceipt({ metrics, logger, recorded }, receipt, operation, results);

  function collect(version: number, databaseId: string, committedAt: number, timeoutMs: number) {
    const own = member?.lastApplied();
    const self =
      member && own && own.version >= version ? { instanceId: member.instanceId, appliedAt: own.at } : undefined;
    return collectReceipt({
      self,
      registry,
      clock,
      version,
      databaseId,
      committedAt,
      timeoutMs,
      operationTimeoutMs: options.operationTimeoutMs,
      signal: closing.signal,
    });
  }

  async function instances(): Promise<FleetInstance[]> {
    const now = clock.now();
    const records = await registry.list();
    const newest = Math.max(-1, ...records.filter((r) => isLive(r, now)).map((r) => r.version));
    const rank = { lost: 0, behind: 1, current: 2 } as const;
    return records
      .map(
        (r): FleetInstance => ({ ...r, state: !isLive(r, now) ? 'lost' : r.version < newest ? 'behind' : 'current' }),
      )
      .sort(
        (a, b) =>
          rank[a.state] - rank[b.state] ||
          a.serviceName.localeCompare(b.serviceName) ||
          a.instanceId.localeCompare(b.instanceId),
      );
  }

  return {
    commitTimes,
    member,
    applied: (snapshot) => member?.applied(snapshot),
    afterWrite(results, operation, timeoutMs = fleet.receiptTimeoutMs) {
      const changed = results.filter((r) => r.changed);
      const snapshot = sync?.current;
      if (changed.length === 0 || !snapshot || timeoutMs <= 0 || closing.signal.aborted) return undefined;
      // The commit's own version; the snapshot's (possibly later) only from a store that does not tell.
      const version = changed.find((r) => r.version !== undefined)?.version ?? snapshot.version;
      // Callers whose writes shared one commit (a group commit) share its receipt.
      const gathering = receipts.get(version);
      if (gathering?.open) {
        gathering.results.push(...changed);
        gathering.operations.add(operation);
        return gathering.receipt;
      }
      // The rows' own time is set in the committing transaction: the clock of time-to-halt starts there.
      const committedAt = Math.max(...changed.map((r) => r.switch.updatedAt.getTime()));
      const entry: PendingReceipt = {
        open: true,
        results: [...changed],
        operations: new Set([operation]),
        receipt: collect(version, snapshot.databaseId, committedAt, timeoutMs).then((receipt) => {
          entry.open = false;
          return record(receipt, [...entry.operations].join('+'), entry.results);
        }),
      };
      receipts.set(version, entry);
      if (receipts.size > KEPT_RECEIPTS) receipts.delete(receipts.keys().next().value as number);
      lastWritten = version;
      return entry.receipt;
    },
    start(followed) {
      sync = followed;
      member?.start(followed);
    },
    async stop() {
      closing.abort();
      await Promise.allSettled([...receipts.values()].map((r) => r.receipt));
      await member?.stop();
    },
    instances,
    async awaitReceipt(request = {}) {
      const version = request.version ?? lastWritten;
      if (version === undefined) {
        throw new ValidationError('awaitReceipt needs a version: this service has written no change', [
          { field: 'version', message: 'is required when the service wrote no change' },
        ]);
      }
      const own = receipts.get(version);
      if (own) return own.receipt;
      const snapshot = sync?.current;
      const now = clock.now();
      return collect(version, snapshot?.databaseId ?? '', now, request.timeoutMs ?? fleet.receiptTimeoutMs);
    },
  };
}
