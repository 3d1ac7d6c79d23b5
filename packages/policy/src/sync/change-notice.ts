/**
 * Change notices on the wire: JSON `{ version, databaseId, base?, changes?, committedAt? }`.
 * Anything else (a malformed or hostile message) is ignored: the version
 * poll covers what a lost notice would have said.
 */
import type { ChangeNotice, SwitchChange } from '../ports';

/** Past this many changes a notice carries none: readers take the full snapshot from the cache. */
export const MAX_NOTICE_CHANGES = 64;

const isVersion = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function isChange(value: unknown): value is SwitchChange {
  if (typeof value !== 'object' || value === null) return false;
  const change = value as SwitchChange;
  return typeof change.id === 'string' && (change.switch === null || typeof change.switch === 'object');
}

export function encodeNotice(notice: ChangeNotice): string {
  return JSON.stringify(notice);
}

/** The notice a message carries, or undefined when it is not one. */
export function decodeNotice(message: string): ChangeNotice | undefined {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const n = value as ChangeNotice;
  if (!isVersion(n.version) || typeof n.databaseId !== 'string') return undefined;
  const notice: ChangeNotice = { version: n.version, databaseId: n.databaseId };
  if (typeof n.committedAt === 'number' && Number.isFinite(n.committedAt)) notice.committedAt = n.committedAt;
  if (isVersion(n.base) && Array.isArray(n.changes) && n.changes.every(isChange)) {
    notice.base = n.base;
    notice.changes = n.changes;
  }
  return notice;
}
