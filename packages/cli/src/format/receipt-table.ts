/**
 * The receipts of one switch's changes, read from the audit trail for
 * `rtv-ks history`: when, which operation, how many instances applied it
 * within what time, and which did not.
 */
import { type AuditRecord, queryAudit } from '@rtv/audit';
import type { Database } from '@rtv/db';
import { FLEET_AUDIT_TYPES } from '@rtv/policy';
import type { Palette } from './color';
import { renderTable } from './table';
import { formatTime } from './time';

/** The newest receipts first, as many as a person reads. */
export async function receiptsOf(db: Database, switchId: string): Promise<AuditRecord[]> {
  const page = await queryAudit(db, { target: switchId, type: FLEET_AUDIT_TYPES.receipt, limit: 50 });
  return page.records;
}

const field = (record: AuditRecord, name: string) => record.metadata[name];
const ms = (value: unknown) => (typeof value === 'number' ? `${value} ms` : '-');

function missing(record: AuditRecord): string {
  const unconfirmed = field(record, 'unconfirmed');
  if (!Array.isArray(unconfirmed) || unconfirmed.length === 0) return '-';
  return unconfirmed
    .map((u: { instanceId?: unknown; state?: unknown }) => `${String(u.instanceId)} (${String(u.state)})`)
    .join(', ');
}

export function renderReceipts(records: readonly AuditRecord[], now: number, palette: Palette): string {
  return renderTable(
    [...records].reverse(),
    [
      { header: 'WHEN', value: (r) => formatTime(r.occurredAt, now) },
      { header: 'OPERATION', value: (r) => String(field(r, 'operation') ?? '-') },
      { header: 'VERSION', value: (r) => String(field(r, 'version') ?? '-') },
      {
        header: 'APPLIED',
        value: (r) => {
          const text = `${String(field(r, 'applied'))}/${String(field(r, 'expected'))}`;
          return field(r, 'complete') === true ? text : palette.red(text);
        },
      },
      { header: 'P99', value: (r) => ms(field(r, 'p99Ms')) },
      { header: 'MAX', value: (r) => ms(field(r, 'maxMs')) },
      { header: 'NOT CONFIRMED', value: (r) => missing(r), maxWidth: 60 },
    ],
    palette.bold,
  );
}
