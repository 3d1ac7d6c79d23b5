/**
 * The JSONL sink on a temporary directory with an injected clock: rotation
 * by size and by day, gzip of rotated files, and retention.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryAuditEmitter } from '../memory-emitter';
import type { AuditRecord } from '../ports';
import { createJsonlFileSink } from '../sinks/jsonl-file-sink';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rtv-audit-jsonl-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function manualClock(start: string) {
  let now = Date.parse(start);
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
    set: (iso: string) => {
      now = Date.parse(iso);
    },
  };
}

async function makeRecords(count: number, pad = 0): Promise<AuditRecord[]> {
  const emitter = createMemoryAuditEmitter();
  for (let i = 0; i < count; i++) await emitter.emit({ type: 'T', actor: 'a', metadata: { i, pad: 'p'.repeat(pad) } });
  return emitter.records();
}

/** Every seq found in the directory, active file and gzipped rotations alike. */
async function allSeqs(): Promise<number[]> {
  const seqs: number[] = [];
  for (const name of await readdir(dir)) {
    const raw = await readFile(join(dir, name));
    const text = name.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    for (const line of text.split('\n').filter(Boolean)) seqs.push((JSON.parse(line) as { seq: number }).seq);
  }
  return seqs.sort((a, b) => a - b);
}

describe('createJsonlFileSink', () => {
  it('appends one JSON line per record with ISO dates', async () => {
    const clock = manualClock('2025-03-01T10:00:00Z');
    const sink = createJsonlFileSink({ dir, clock });
    const records = await makeRecords(3);
    await sink.deliver(records.slice(0, 2));
    await sink.deliver(records.slice(2));
    const lines = (await readFile(join(dir, 'audit.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(3);
    const first = JSON.parse(lines[0] as string);
    expect(first).toMatchObject({ seq: 1, id: records[0]?.id, hash: records[0]?.hash });
    expect(first.occurredAt).toBe(records[0]?.occurredAt.toISOString());
  });

  it('rotates by size, gzips rotated files and loses no line', async () => {
    const clock = manualClock('2025-03-01T10:00:00Z');
    const records = await makeRecords(20, 200); // each line is a little over 400 bytes
    const sink = createJsonlFileSink({ dir, clock, rotate: { maxBytes: 1500 } });
    for (const record of records) {
      await sink.deliver([record]);
      clock.advance(1000);
    }
    const names = await readdir(dir);
    const rotated = names.filter((n) => n.endsWith('.jsonl.gz'));
    expect(rotated.length).toBeGreaterThanOrEqual(5);
    expect(names.filter((n) => n.endsWith('.jsonl') && n !== 'audit.jsonl')).toEqual([]);
    for (const name of rotated) {
      expect(name).toMatch(/^audit\.\d{8}T\d{9}Z(-\d+)?\.jsonl\.gz$/);
      expect(gunzipSync(await readFile(join(dir, name))).length).toBeLessThanOrEqual(1500);
    }
    expect(await allSeqs()).toEqual(records.map((r) => r.seq));
  });

  it('rotates within one batch when the batch crosses the size limit', async () => {
    const clock = manualClock('2025-03-01T10:00:00Z');
    const records = await makeRecords(10, 200);
    const sink = createJsonlFileSink({ dir, clock, rotate: { maxBytes: 1000 } });
    await sink.deliver(records);
    const rotated = (await readdir(dir)).filter((n) => n.endsWith('.gz'));
    expect(rotated.length).toBeGreaterThanOrEqual(4); // two lines per file at most
    expect(await allSeqs()).toEqual(records.map((r) => r.seq));
  });

  it('rotates when the UTC day changes', async () => {
    const clock = manualClock('2025-03-01T23:59:00Z');
    const records = await makeRecords(4);
    const sink = createJsonlFileSink({ dir, clock, rotate: { daily: true } });
    await sink.deliver(records.slice(0, 2));
    clock.set('2025-03-01T23:59:59Z');
    await sink.deliver(records.slice(2, 3));
    expect((await readdir(dir)).filter((n) => n.endsWith('.gz'))).toEqual([]);
    clock.set('2025-03-02T00:00:01Z');
    await sink.deliver(records.slice(3));
    const rotated = (await readdir(dir)).filter((n) => n.endsWith('.gz'));
    expect(rotated).toEqual(['audit.20250302T000001000Z.jsonl.gz']);
    const old = gunzipSync(await readFile(join(dir, rotated[0] as string))).toString('utf8');
    expect(
      old
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).seq),
    ).toEqual([1, 2, 3]);
    const current = (await readFile(join(dir, 'audit.jsonl'), 'utf8')).trim().split('\n');
    expect(current.map((l) => JSON.parse(l).seq)).toEqual([4]);
  });

  it('deletes rotated files older than the retention period, keeping newer ones and the active file', async () => {
    const clock = manualClock('2025-03-01T12:00:00Z');
    const records = await makeRecords(6);
    const sink = createJsonlFileSink({ dir, clock, rotate: { daily: true }, retentionDays: 2 });
    // One record a day: each delivery from day 2 on rotates the previous day's file.
    for (const [day, record] of records.entries()) {
      clock.set(`2025-03-0${day + 1}T12:00:00Z`);
      await sink.deliver([record]);
    }
    // Rotations happened on Mar 2..6 at noon; on Mar 6 noon the cutoff is Mar 4 noon.
    const names = (await readdir(dir)).sort();
    expect(names).toEqual([
      'audit.20250304T120000000Z.jsonl.gz',
      'audit.20250305T120000000Z.jsonl.gz',
      'audit.20250306T120000000Z.jsonl.gz',
      'audit.jsonl',
    ]);
    expect(await allSeqs()).toEqual([3, 4, 5, 6]);
  });

  it('on start, compresses a rotated file left uncompressed and applies retention', async () => {
    const clock = manualClock('2025-03-10T00:00:00Z');
    await writeFile(join(dir, 'audit.20250309T000000000Z.jsonl'), '{"seq":1}\n');
    await writeFile(join(dir, 'audit.20250101T000000000Z.jsonl.gz'), 'old');
    await writeFile(join(dir, 'unrelated.txt'), 'keep me');
    const sink = createJsonlFileSink({ dir, clock, retentionDays: 30 });
    await sink.deliver(await makeRecords(1));
    expect((await readdir(dir)).sort()).toEqual(['audit.20250309T000000000Z.jsonl.gz', 'audit.jsonl', 'unrelated.txt']);
  });
});
