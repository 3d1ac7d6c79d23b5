/**
 * The log sink's line shape and the webhook sink's summary and filter, on
 * records from the in-memory emitter.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createMemoryAuditEmitter } from '../memory-emitter';
import { createLogSink } from '../sinks/log-sink';
import { createWebhookSink, summarizeRecords } from '../sinks/webhook-sink';

async function records() {
  const emitter = createMemoryAuditEmitter();
  await emitter.emit({ type: 'KILL_SWITCH_ACTIVATED', actor: 'alice', target: 'ks_1', clientId: 'c1' });
  await emitter.emit({ type: 'KILL_SWITCH_DEACTIVATED', actor: 'bob', target: 'ks_1' });
  await emitter.emit({ type: 'LEGAL_HOLD_PLACED', actor: 'carol', metadata: { note: 'line\nbreak' } });
  return emitter.records();
}

describe('createLogSink', () => {
  it('hands one JSON-safe object per record to the logger', async () => {
    const entries: Record<string, unknown>[] = [];
    const sink = createLogSink({ logger: { info: (entry) => entries.push(entry) }, name: 'ops-log' });
    expect(sink.name).toBe('ops-log');
    const list = await records();
    await sink.deliver(list);
    expect(entries).toHaveLength(3);
    expect(JSON.parse(JSON.stringify(entries[0]))).toEqual({
      msg: 'audit',
      audit: { ...list[0], occurredAt: list[0]?.occurredAt.toISOString() },
    });
  });
});

describe('webhook sink', () => {
  it('summarises a batch on one line', async () => {
    const list = await records();
    expect(summarizeRecords(list.slice(0, 1))).toBe('Audit: KILL_SWITCH_ACTIVATED by alice on ks_1 (client c1)');
    expect(summarizeRecords(list)).toBe('Audit: KILL_SWITCH_ACTIVATED by alice on ks_1 (client c1) (+2 more)');
    expect(summarizeRecords(list.slice(2))).not.toContain('\n');
  });

  it('sends only the filtered types, skips empty batches and fails on non-2xx', async () => {
    const bodies: Array<{ text: string; records: Array<{ type: string }> }> = [];
    let status = 200;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        bodies.push(JSON.parse(body));
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/secret-token`;
    try {
      const list = await records();
      const sink = createWebhookSink({ url, filter: ['KILL_SWITCH_ACTIVATED', 'LEGAL_HOLD_PLACED'] });
      await sink.deliver(list);
      expect(bodies).toHaveLength(1);
      expect(bodies[0]?.records.map((r) => r.type)).toEqual(['KILL_SWITCH_ACTIVATED', 'LEGAL_HOLD_PLACED']);
      expect(bodies[0]?.text).toContain('(+1 more)');

      await sink.deliver(list.slice(1, 2)); // filtered out entirely: no request
      expect(bodies).toHaveLength(1);

      status = 503;
      const error = await sink.deliver(list).catch((e: unknown) => e);
      expect(String(error)).toContain('503');
      expect(String(error)).not.toContain('secret-token');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('times out a server that never answers', async () => {
    const server = createServer(() => {
      // never answers
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const sink = createWebhookSink({ url, timeoutMs: 100 });
      await expect(sink.deliver(await records())).rejects.toThrow(/did not answer within 100 ms/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
