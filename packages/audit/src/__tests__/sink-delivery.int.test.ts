/**
 * Sinks get every committed record after commit, at least once, through a
 * failing webhook and an emitter restart, resuming from the cursor in Postgres.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Database, auditSinkCursors } from '@rtv/db';
import { type TestDatabase, availableBackends, createTestDatabase, postgresAvailable } from '@rtv/testing';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger';
import type { AuditRecord } from '../ports';
import { createAuditEmitter } from '../postgres-emitter';
import { queryAudit } from '../query-audit';
import type { AuditSink } from '../sinks/sink';
import type { DeliveryOptions } from '../sinks/sink-dispatcher';
import { createWebhookSink } from '../sinks/webhook-sink';

/** Short retry settings so a failing sink recovers within the test. */
const fast: DeliveryOptions = {
  batchSize: 7,
  pollIntervalMs: 50,
  backoff: { initialMs: 20, maxMs: 200, jitter: 0 },
  logger: silentLogger,
};

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function allIds(db: Database): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<typeof queryAudit>> = await queryAudit(db, {
      limit: 1000,
      ...(cursor ? { cursor } : {}),
    });
    ids.push(...page.records.map((r) => r.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids.sort();
}

/** A webhook receiver that answers 500 to the first `failFirst` requests. */
async function startReceiver(failFirst: number) {
  const received: Array<{ id: string; seq: number }> = [];
  let requests = 0;
  let failed = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      requests++;
      if (failed < failFirst) {
        failed++;
        res.writeHead(500).end('down');
        return;
      }
      const payload = JSON.parse(body) as { text: string; records: Array<{ id: string; seq: number }> };
      received.push(...payload.records.map(({ id, seq }) => ({ id, seq })));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    stats: () => ({ requests, failed }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe.skipIf(!postgresAvailable())('webhook delivery on postgres', () => {
  let handle: TestDatabase;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    handle = await createTestDatabase('postgres');
  });
  afterEach(async () => {
    await receiver?.close();
  });
  afterAll(async () => {
    await handle?.close();
  });

  it('delivers every record exactly once after dedup, through failures and a restart', async () => {
    const { db } = handle;
    receiver = await startReceiver(4);
    const sink = () => createWebhookSink({ url: receiver.url, timeoutMs: 2000, name: 'hook' });

    const first = createAuditEmitter({ db, sinks: [sink()], delivery: fast });
    for (let i = 0; i < 15; i++) await first.emit({ type: 'KILL_SWITCH_ACTIVATED', actor: 'alice', metadata: { i } });
    // Inside a caller's transaction too.
    await db.transaction((tx) => first.emit({ type: 'KILL_SWITCH_DEACTIVATED', actor: 'bob' }, { tx }));
    await until(() => receiver.stats().failed >= 2, 'the first failures');
    await first.close();

    // Committed while no sink loop runs at all.
    const plain = createAuditEmitter({ db });
    for (let i = 0; i < 5; i++) await plain.emit({ type: 'LEGAL_HOLD_PLACED', actor: 'carol', metadata: { i } });

    const second = createAuditEmitter({ db, sinks: [sink()], delivery: fast });
    for (let i = 0; i < 10; i++) await second.emit({ type: 'KILL_SWITCH_ACTIVATED', actor: 'dave', metadata: { i } });

    const expected = await allIds(db);
    expect(expected).toHaveLength(31);
    await until(() => new Set(receiver.received.map((r) => r.id)).size >= expected.length, 'every record');
    await second.close();

    const delivered = [...new Set(receiver.received.map((r) => r.id))].sort();
    expect(delivered).toEqual(expected);
    expect(receiver.stats().failed).toBe(4);
    // Records first arrive in seq order (a retry may repeat a batch, never reorder it).
    const firstSeen = new Map<string, number>();
    for (const { id, seq } of receiver.received) if (!firstSeen.has(id)) firstSeen.set(id, seq);
    expect([...firstSeen.values()]).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));

    const [cursor] = await db.select().from(auditSinkCursors).where(eq(auditSinkCursors.sink, 'hook'));
    expect(cursor).toMatchObject({ lastSeq: 31, attempts: 0, lastError: null });
  });
});

describe.each(availableBackends())('sink cursor on %s', (backend) => {
  let handle: TestDatabase;
  beforeAll(async () => {
    handle = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await handle?.close();
  });

  /** A sink that keeps what it gets and can be told to fail. */
  function collector(name: string) {
    const got: AuditRecord[] = [];
    let down = false;
    const sink: AuditSink = {
      name,
      async deliver(records) {
        if (down) throw new Error('sink is down');
        got.push(...records);
      },
    };
    const setDown = (value: boolean): void => {
      down = value;
    };
    return { sink, got, setDown };
  }

  it('records failures in the cursor row, loses nothing while down, and never delivers a rolled-back record', async () => {
    const { db } = handle;
    const c = collector('collector');
    const emitter = createAuditEmitter({ db, sinks: [c.sink], delivery: fast });
    await emitter.emit({ type: 'A', actor: 'x' });
    await until(() => c.got.length === 1, 'the first record');

    c.setDown(true);
    await emitter.emit({ type: 'B', actor: 'x' });
    await until(async () => {
      const [row] = await db.select().from(auditSinkCursors).where(eq(auditSinkCursors.sink, 'collector'));
      return (row?.attempts ?? 0) >= 2;
    }, 'failed attempts to be recorded');
    const [failing] = await db.select().from(auditSinkCursors).where(eq(auditSinkCursors.sink, 'collector'));
    expect(failing).toMatchObject({ lastSeq: 1, lastError: 'sink is down' });

    await db
      .transaction(async (tx) => {
        await emitter.emit({ type: 'ROLLED_BACK', actor: 'x' }, { tx });
        throw new Error('abort');
      })
      .catch(() => {});
    await emitter.emit({ type: 'C', actor: 'x' });
    c.setDown(false);
    await until(() => c.got.length >= 3, 'the records held back while down');
    await emitter.close();
    expect(c.got.map((r) => r.type)).toEqual(['A', 'B', 'C']);
    expect(c.got.map((r) => r.seq)).toEqual([1, 2, 3]);
    const [row] = await db.select().from(auditSinkCursors).where(eq(auditSinkCursors.sink, 'collector'));
    expect(row).toMatchObject({ lastSeq: 3, attempts: 0, lastError: null });
  });

  it("a new sink with startAt 'latest' skips the existing trail", async () => {
    const { db } = handle;
    const c = collector('late-joiner');
    const emitter = createAuditEmitter({ db, sinks: [c.sink], delivery: { ...fast, startAt: 'latest' } });
    await until(async () => {
      const rows = await db.select().from(auditSinkCursors).where(eq(auditSinkCursors.sink, 'late-joiner'));
      return rows.length === 1;
    }, 'the cursor row');
    const record = await emitter.emit({ type: 'D', actor: 'x' });
    await until(() => c.got.length >= 1, 'the new record');
    await emitter.close();
    expect(c.got.map((r) => r.id)).toEqual([record.id]);
  });
});
