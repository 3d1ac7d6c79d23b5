/**
 * A sink that appends JSON lines to a local file, rotating it by size or by
 * day, gzipping rotated files and deleting them after the retention period.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join, parse } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { type AuditClock, type AuditRecord, systemAuditClock } from '../ports';
import { type AuditSink, auditRecordToJson } from './sink';

export interface JsonlRotationOptions {
  /** Rotate before a line would take the file past this size in bytes. @default no size limit */
  maxBytes?: number;
  /** Rotate when the UTC day changes. @default false */
  daily?: boolean;
}

export interface JsonlFileSinkOptions {
  /** Directory of the active file and the rotated ones; created if missing. */
  dir: string;
  /** Name of the active file; rotated files are `<stem>.<UTC stamp>[-n]<ext>.gz`. @default 'audit.jsonl' */
  fileName?: string;
  /** When to start a new file. @default {} (never rotate) */
  rotate?: JsonlRotationOptions;
  /** Delete rotated files rotated longer ago than this many days. @default keep them forever */
  retentionDays?: number;
  /** Time of rotations, their names and retention. @default the system clock */
  clock?: AuditClock;
  /** fsync after each batch, so the delivery cursor never runs ahead of the disk. @default true */
  fsync?: boolean;
  /** Sink name; keys its delivery cursor. @default 'jsonl' */
  name?: string;
}

const DAY_MS = 86_400_000;
const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
// 2024-05-01T12:34:56.789Z -> 20240501T123456789Z: sortable, no characters filesystems dislike.
const stampOf = (ms: number): string => new Date(ms).toISOString().replace(/[-:.]/g, '');
const STAMP = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/;

function stampTime(stamp: string): number | undefined {
  const m = STAMP.exec(stamp);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, ms] = m.map(Number) as number[];
  return Date.UTC(y as number, (mo as number) - 1, d, h, mi, s, ms);
}

const escapeRegExp = (value: string): string => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function createJsonlFileSink(options: JsonlFileSinkOptions): AuditSink {
  const clock = options.clock ?? systemAuditClock;
  const fileName = options.fileName ?? 'audit.jsonl';
  const { name: stem, ext } = parse(fileName);
  const activePath = join(options.dir, fileName);
  const maxBytes = options.rotate?.maxBytes;
  const daily = options.rotate?.daily ?? false;
  const fsync = options.fsync ?? true;
  const rotated = new RegExp(`^${escapeRegExp(stem)}\\.(\\d{8}T\\d{9}Z)(?:-\\d+)?${escapeRegExp(ext)}(\\.gz)?$`);

  let ready = false;
  let size = 0;
  let day = '';

  async function init(): Promise<void> {
    await mkdir(options.dir, { recursive: true });
    try {
      const info = await stat(activePath);
      size = info.size;
      // After a restart the file's own mtime tells which day it belongs to.
      day = utcDay(info.mtimeMs);
    } catch {
      size = 0;
      day = utcDay(clock.now());
    }
    // Files rotated but not compressed (a crash mid-rotation) are finished now.
    for (const entry of await readdir(options.dir)) {
      const match = rotated.exec(entry);
      if (match && !match[2]) await gzipAndRemove(join(options.dir, entry));
    }
    await applyRetention();
    ready = true;
  }

  async function gzipAndRemove(path: string): Promise<void> {
    const temporary = `${path}.gz.tmp`;
    await pipeline(createReadStream(path), createGzip(), createWriteStream(temporary));
    await rename(temporary, `${path}.gz`);
    await unlink(path);
  }

  async function applyRetention(): Promise<void> {
    if (options.retentionDays === undefined) return;
    const cutoff = clock.now() - options.retentionDays * DAY_MS;
    for (const entry of await readdir(options.dir)) {
      const match = rotated.exec(entry);
      const rotatedAt = match?.[1] ? stampTime(match[1]) : undefined;
      if (match?.[2] && rotatedAt !== undefined && rotatedAt < cutoff) {
        await unlink(join(options.dir, entry)).catch(() => undefined);
      }
    }
  }

  async function rotate(): Promise<void> {
    const stamp = stampOf(clock.now());
    const existing = new Set(await readdir(options.dir));
    let target = `${stem}.${stamp}${ext}`;
    for (let n = 1; existing.has(target) || existing.has(`${target}.gz`); n++) target = `${stem}.${stamp}-${n}${ext}`;
    const path = join(options.dir, target);
    await rename(activePath, path);
    size = 0;
    day = utcDay(clock.now());
    await gzipAndRemove(path);
    await applyRetention();
  }

  async function append(chunk: string): Promise<void> {
    if (!chunk) return;
    const handle = await open(activePath, 'a');
    try {
      await handle.write(chunk);
      if (fsync) await handle.datasync();
    } finally {
      await handle.close();
    }
    size += Buffer.byteLength(chunk, 'utf8');
  }

  return {
    name: options.name ?? 'jsonl',
    async deliver(records: AuditRecord[]): Promise<void> {
      if (!ready) await init();
      let pending = '';
      let pendingBytes = 0;
      for (const record of records) {
        const line = `${JSON.stringify(auditRecordToJson(record))}\n`;
        const bytes = Buffer.byteLength(line, 'utf8');
        const today = utcDay(clock.now());
        const used = size + pendingBytes;
        if (used > 0 && ((daily && today !== day) || (maxBytes !== undefined && used + bytes > maxBytes))) {
          await append(pending);
          pending = '';
          pendingBytes = 0;
          await rotate();
        }
        if (size + pendingBytes === 0) day = today;
        pending += line;
        pendingBytes += bytes;
      }
      await append(pending);
    },
  };
}
