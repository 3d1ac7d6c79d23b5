/**
 * Says in words what a switch blocks ("action publish on meta, client
 * client_a"), for tables and for the confirmation prompt: an operator should
 * see the blast radius before pressing y.
 */
import type { KillSwitch, SwitchSummary } from '@rtv/policy';

type SwitchLike = Pick<KillSwitch | SwitchSummary, 'scope' | 'targetType' | 'targetValue' | 'clientId' | 'platform'>;

/** Short target column: `all`, `platform:meta`, `action:publish@meta`. */
export function targetLabel(row: SwitchLike): string {
  if (row.targetType === 'all') return 'all';
  const narrowed = row.targetType === 'action' && row.platform ? `@${row.platform}` : '';
  return `${row.targetType}:${row.targetValue}${narrowed}`;
}

export function clientLabel(row: Pick<SwitchLike, 'clientId'>): string {
  return row.clientId ?? '(all clients)';
}

/** A sentence: what stops (or resumes) when this switch is active. */
export function describeBlocked(row: SwitchLike): string {
  const who = row.clientId ? `of client ${row.clientId}` : 'of EVERY client';
  switch (row.targetType) {
    case 'all':
      return `every action on every platform ${who}`;
    case 'platform':
      return `every action on platform ${row.targetValue} ${who}`;
    default:
      return row.platform
        ? `action ${row.targetValue} on platform ${row.platform} ${who}`
        : `action ${row.targetValue} on every platform ${who}`;
  }
}
