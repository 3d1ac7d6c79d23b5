/**
 * The switch tables of `status` and `list`: the columns an operator scans in
 * an incident (what, for whom, why, who, since when, until when).
 */
import type { KillSwitch } from '@rtv/policy';
import type { Palette } from './color';
import { clientLabel, targetLabel } from './describe-switch';
import { type Column, renderTable } from './table';
import { formatTime } from './time';

const isBlocking = (row: KillSwitch, now: number) =>
  row.isActive && (row.expiresAt === null || row.expiresAt.getTime() > now);

/** `halt`, `reduce (delete, cancel)`, `throttle 50%`, `restart 50>75>100%`. */
export function modeLabel(row: Pick<KillSwitch, 'mode' | 'allowActions' | 'fraction' | 'restart'>): string {
  const pct = (share: number) => `${Math.round(share * 100)}`;
  if (row.restart) return `restart ${row.restart.steps.map(pct).join('>')}%`;
  if (row.mode === 'throttle') return `throttle ${pct(row.fraction ?? 0)}%`;
  if (row.mode === 'reduce') return row.allowActions ? `reduce (${row.allowActions.join(', ')})` : 'reduce';
  return 'halt';
}

export function renderSwitchTable(
  rows: readonly KillSwitch[],
  options: { now: number; palette: Palette; showState: boolean },
): string {
  const { now, palette } = options;
  const columns: Column<KillSwitch>[] = [
    { header: 'ID', value: (row) => row.id },
    { header: 'SCOPE', value: (row) => row.scope },
    { header: 'TARGET', value: (row) => targetLabel(row) },
    { header: 'CLIENT', value: (row) => clientLabel(row) },
  ];
  if (options.showState) {
    columns.push({
      header: 'STATE',
      value: (row) =>
        isBlocking(row, now) ? palette.red('ACTIVE') : row.isActive ? palette.yellow('expired') : 'inactive',
    });
  }
  columns.push(
    { header: 'MODE', value: (row) => (row.isActive ? modeLabel(row) : '-') },
    { header: 'REASON', value: (row) => (row.isActive ? (row.reason ?? '-') : '-'), maxWidth: 48 },
    { header: 'BY', value: (row) => (row.isActive ? (row.activatedBy ?? '-') : '-'), maxWidth: 32 },
    { header: 'SINCE', value: (row) => (row.isActive ? formatTime(row.activatedAt, now) : '-') },
    { header: 'EXPIRES', value: (row) => (row.isActive ? formatTime(row.expiresAt, now, 'never') : '-') },
  );
  return renderTable(rows, columns, palette.bold);
}
