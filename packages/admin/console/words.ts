/** What the console says in words: blast radius, receipts, times. Mirrors the CLI's wording. */
import type { Json } from './api';

export interface SwitchLike {
  scope: string;
  targetType: string;
  targetValue: string;
  clientId: string | null;
  platform: string | null;
}

/** A sentence: what stops (or resumes) when this switch is active. */
export function describeBlocked(sw: SwitchLike): string {
  const who = sw.clientId ? `of client ${sw.clientId}` : 'of EVERY client';
  if (sw.targetType === 'all') return `every action on every platform ${who}`;
  if (sw.targetType === 'platform') return `every action on platform ${sw.targetValue} ${who}`;
  return sw.platform
    ? `action ${sw.targetValue} on platform ${sw.platform} ${who}`
    : `action ${sw.targetValue} on every platform ${who}`;
}

export function targetLabel(sw: SwitchLike): string {
  if (sw.targetType === 'all') return 'all';
  const narrowed = sw.targetType === 'action' && sw.platform ? `@${sw.platform}` : '';
  return `${sw.targetType}:${sw.targetValue}${narrowed}`;
}

export const BLAST_RADIUS: Record<string, string> = {
  global: 'Everyone',
  client: 'A client',
  platform: 'A platform',
  action: 'An action',
};

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min`;
  return `${Math.round(m / 60)} h`;
}

export function relative(at: string | null | undefined, now = Date.now()): string {
  if (!at) return '—';
  const delta = new Date(at).getTime() - now;
  return delta <= 0 ? `${formatDuration(-delta)} ago` : `in ${formatDuration(delta)}`;
}

export function clock(at: string | null | undefined): string {
  return at ? new Date(at).toISOString().replace('T', ' ').slice(0, 19) : '—';
}

/** "stopped on 40/40 instances, p99 42 ms" from a receipt record's metadata. */
export function receiptLine(receipt: Json, verb = 'applied'): string {
  if (!receipt) return 'no receipt yet';
  const n = Number(receipt.expected);
  const counts = `${verb} on ${receipt.applied}/${n} instance${n === 1 ? '' : 's'}`;
  if (n === 0) return `${counts} (no instance registered)`;
  const timing = receipt.p99Ms === null || receipt.p99Ms === undefined ? '' : `, p99 ${receipt.p99Ms} ms`;
  if (receipt.complete) return `${counts}${timing}`;
  const missing = (receipt.unconfirmed ?? []) as Json[];
  const names = missing.map((u) => `${u.instanceId} (${u.state})`).join(', ');
  return `${counts}${timing}; not confirmed: ${names}`;
}

export const verbFor = (operation: unknown): string =>
  operation === 'activate' ? 'stopped' : operation === 'deactivate' ? 'resumed' : 'applied';
