/**
 * The audit records of the fleet: a receipt after each change, and a
 * drill's evidence. Appended through the store like every record, so they
 * are chained with the changes they describe.
 */
import type { FleetReceipt } from './receipt';

export const FLEET_AUDIT_TYPES = {
  receipt: 'KILL_SWITCH_RECEIPT',
  drill: 'KILL_SWITCH_DRILL',
} as const;

/** The actor of receipts and drill records written by the service itself. */
export const FLEET_ACTOR = 'system:fleet';

/** Confirmed instances listed in a record; past this the counts and percentiles still hold. */
const MAX_LISTED = 200;

/** A receipt as audit metadata: bounded, JSON-safe (times as ISO strings). */
export function receiptMetadata(receipt: FleetReceipt): Record<string, unknown> {
  return {
    version: receipt.version,
    committedAt: new Date(receipt.committedAt).toISOString(),
    expected: receipt.expected,
    applied: receipt.applied,
    complete: receipt.complete,
    registryAnswered: receipt.registryAnswered,
    p50Ms: receipt.p50Ms,
    p99Ms: receipt.p99Ms,
    maxMs: receipt.maxMs,
    timeToHaltMs: receipt.timeToHaltMs,
    waitedMs: receipt.waitedMs,
    unconfirmed: receipt.unconfirmed.slice(0, MAX_LISTED).map((u) => ({
      ...u,
      heartbeatAt: new Date(u.heartbeatAt).toISOString(),
    })),
    confirmed: receipt.confirmed.slice(0, MAX_LISTED),
  };
}
