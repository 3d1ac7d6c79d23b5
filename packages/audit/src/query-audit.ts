/**
 * Reads the trail newest first with filters and an opaque keyset cursor,
 * so paging stays correct while new records are appended.
 */
import { type Executor, auditEvents } from '@rtv/db';
import { type SQL, and, desc, eq, gte, lt } from 'drizzle-orm';
import { z } from 'zod';
import { AuditValidationError } from './errors';
import type { AuditRecord } from './ports';
import { recordFromRow } from './record-row';

export interface AuditQuery {
  /** Only records about this target (exact match). @default any target */
  target?: string;
  /** Only records by this actor (exact match). @default any actor */
  actor?: string;
  /** Only records of this type (exact match). @default any type */
  type?: string;
  /** Only records of this client (exact match). @default any client */
  clientId?: string;
  /** Only records that occurred at or after this time. @default no lower bound */
  since?: Date;
  /** Only records that occurred before this time. @default no upper bound */
  until?: Date;
  /** Most records per page, 1 to 1000. @default 50 */
  limit?: number;
  /** `nextCursor` of the previous page. @default the newest page */
  cursor?: string;
}

export interface AuditPage {
  /** Newest first. */
  records: AuditRecord[];
  /** Pass as `cursor` for the next (older) page; `null` on the last page. */
  nextCursor: string | null;
}

const querySchema = z.object({
  target: z.string().optional(),
  actor: z.string().optional(),
  type: z.string().optional(),
  clientId: z.string().optional(),
  since: z.date({ invalid_type_error: 'must be a valid Date' }).optional(),
  until: z.date({ invalid_type_error: 'must be a valid Date' }).optional(),
  limit: z.number().int('must be an integer').min(1, 'must be at least 1').max(1000, 'must be at most 1000').optional(),
  cursor: z.string().optional(),
});

const encodeCursor = (seq: number): string => Buffer.from(`seq:${seq}`, 'utf8').toString('base64url');

function decodeCursor(cursor: string): number {
  const match = /^seq:([1-9][0-9]{0,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  const seq = match?.[1] ? Number(match[1]) : Number.NaN;
  if (!Number.isSafeInteger(seq)) {
    throw new AuditValidationError('cursor', 'Audit query cursor is not one returned by queryAudit (nextCursor)');
  }
  return seq;
}

/** Filters combine with AND; throws `AuditValidationError` on a bad option. */
export async function queryAudit(db: Executor, query: AuditQuery = {}): Promise<AuditPage> {
  const parsed = querySchema.safeParse(query);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'query';
    throw new AuditValidationError(field, `Audit query ${field} ${issue?.message ?? 'is invalid'}`);
  }
  const options = parsed.data;
  const limit = options.limit ?? 50;
  const conditions: SQL[] = [];
  if (options.target !== undefined) conditions.push(eq(auditEvents.target, options.target));
  if (options.actor !== undefined) conditions.push(eq(auditEvents.actor, options.actor));
  if (options.type !== undefined) conditions.push(eq(auditEvents.type, options.type));
  if (options.clientId !== undefined) conditions.push(eq(auditEvents.clientId, options.clientId));
  if (options.since !== undefined) conditions.push(gte(auditEvents.occurredAt, options.since));
  if (options.until !== undefined) conditions.push(lt(auditEvents.occurredAt, options.until));
  if (options.cursor !== undefined) conditions.push(lt(auditEvents.seq, decodeCursor(options.cursor)));

  // One more row than asked tells whether another page exists.
  const rows = await db
    .select()
    .from(auditEvents)
    .where(and(...conditions))
    .orderBy(desc(auditEvents.seq))
    .limit(limit + 1);
  const records = rows.slice(0, limit).map(recordFromRow);
  const last = records[records.length - 1];
  return { records, nextCursor: rows.length > limit && last ? encodeCursor(last.seq) : null };
}
