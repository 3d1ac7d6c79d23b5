/**
 * One poller of the audit trail shared by every live connection: every
 * change, approval, bypass and receipt is an audit record (whichever process
 * wrote it), so following the trail's sequence is a complete feed of what
 * happened, without a second channel that could disagree with the trail.
 * It polls only while someone listens.
 */
import type { Logger } from '@rtv/audit';
import { type Database, auditEvents } from '@rtv/db';
import { asc, desc, gt } from 'drizzle-orm';

/** An audit record as the live feed sends it (no hashes: verify through /audit/verify). */
export interface FeedRecord {
  seq: number;
  type: string;
  actor: string;
  target: string | null;
  clientId: string | null;
  occurredAt: string;
  metadata: Record<string, unknown>;
}

export type FeedListener = (records: readonly FeedRecord[]) => void;

export interface AuditFeed {
  subscribe(listener: FeedListener): () => void;
  close(): void;
}

/** Records read per poll; a burst larger than this arrives over the next polls. */
const BATCH = 200;

async function latestSeq(db: Database): Promise<number> {
  const [row] = await db.select({ seq: auditEvents.seq }).from(auditEvents).orderBy(desc(auditEvents.seq)).limit(1);
  return row?.seq ?? 0;
}

async function recordsAfter(db: Database, seq: number): Promise<FeedRecord[]> {
  const rows = await db
    .select()
    .from(auditEvents)
    .where(gt(auditEvents.seq, seq))
    .orderBy(asc(auditEvents.seq))
    .limit(BATCH);
  return rows.map((r) => ({
    seq: r.seq,
    type: r.type,
    actor: r.actor,
    target: r.target,
    clientId: r.clientId,
    occurredAt: r.occurredAt.toISOString(),
    metadata: r.metadata,
  }));
}

export function createAuditFeed(db: Database, intervalMs: number, logger: Logger): AuditFeed {
  const listeners = new Set<FeedListener>();
  let timer: NodeJS.Timeout | undefined;
  let last: number | undefined;
  let polling = false;

  async function poll(): Promise<void> {
    if (polling) return;
    polling = true;
    try {
      if (last === undefined) last = await latestSeq(db);
      const records = await recordsAfter(db, last);
      if (records.length > 0) {
        last = records[records.length - 1]?.seq ?? last;
        for (const listener of listeners) listener(records);
      }
    } catch (error) {
      // The next poll retries; listeners notice the silence through the missing ticks' data.
      logger.warn({ error: String(error) }, 'admin live feed: could not read the audit trail');
    } finally {
      polling = false;
    }
  }

  function stop(): void {
    if (timer) clearInterval(timer);
    timer = undefined;
    last = undefined;
  }

  return {
    subscribe(listener) {
      listeners.add(listener);
      if (!timer) {
        timer = setInterval(() => void poll(), intervalMs);
        timer.unref();
        void poll();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) stop();
      };
    },
    close() {
      listeners.clear();
      stop();
    },
  };
}
