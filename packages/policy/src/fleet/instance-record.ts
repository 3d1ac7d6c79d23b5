/**
 * Instance records on the wire (Redis holds them as JSON): what a reader
 * accepts, and how long a lost instance stays visible. A malformed entry
 * (an older or hostile writer) is skipped, never trusted.
 */
import type { InstanceRecord } from '../ports';

/** A lost instance stays listed (as lost) this long after its TTL, so the operator sees what went away. */
export const LOST_RETENTION_MS = 10 * 60 * 1000;

/** At most this many records are read: a registry flooded by a bad writer cannot exhaust a reader. */
export const MAX_LISTED_INSTANCES = 1000;

const isText = (v: unknown, max = 200): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
const isMs = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isMsOrNull = (v: unknown): v is number | null => v === null || isMs(v);

export function encodeInstanceRecord(record: InstanceRecord): string {
  return JSON.stringify(record);
}

/** The record a stored string holds, or undefined when it is not one. */
export function decodeInstanceRecord(raw: string): InstanceRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as InstanceRecord;
  const valid =
    isText(r.instanceId) &&
    isText(r.serviceName) &&
    typeof r.host === 'string' &&
    isMs(r.pid) &&
    typeof r.libraryVersion === 'string' &&
    isMs(r.startedAt) &&
    (r.databaseId === null || typeof r.databaseId === 'string') &&
    Number.isSafeInteger(r.version) &&
    isMsOrNull(r.appliedAt) &&
    isMsOrNull(r.lagMs) &&
    isMs(r.snapshotAgeMs) &&
    (r.failMode === 'closed' || r.failMode === 'open') &&
    (r.health === 'ok' || r.health === 'degraded' || r.health === 'stale') &&
    isMs(r.heartbeatAt) &&
    isMs(r.ttlMs) &&
    r.ttlMs > 0;
  return valid ? r : undefined;
}

/** Live until its TTL after the last heartbeat, judged on the reader's clock. */
export const isLive = (record: InstanceRecord, now: number): boolean => record.heartbeatAt + record.ttlMs >= now;
