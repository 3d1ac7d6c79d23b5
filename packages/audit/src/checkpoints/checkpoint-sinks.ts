/**
 * Where checkpoints go: somewhere the database's owner cannot rewrite (a file
 * on another volume, a webhook into another system). JSON lines, one per checkpoint.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { AuditValidationError } from '../errors';
import type { AuditCheckpoint } from './checkpoint';

export interface CheckpointSink {
  write(checkpoint: AuditCheckpoint): Promise<void>;
}

export function createFileCheckpointSink(path: string): CheckpointSink {
  return { write: (checkpoint) => appendFile(path, `${JSON.stringify(checkpoint)}\n`, 'utf8') };
}

export function createWebhookCheckpointSink(url: string, options: { timeoutMs?: number } = {}): CheckpointSink {
  return {
    async write(checkpoint) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'rtv.audit.checkpoint', checkpoint }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
      if (!response.ok) throw new Error(`checkpoint webhook answered ${response.status}`);
    },
  };
}

const isCheckpoint = (v: unknown): v is AuditCheckpoint => {
  const c = v as Record<string, unknown>;
  return (
    typeof v === 'object' &&
    v !== null &&
    Number.isSafeInteger(c.seq) &&
    typeof c.hash === 'string' &&
    typeof c.signedAt === 'string' &&
    typeof c.keyId === 'string' &&
    typeof c.signature === 'string'
  );
};

/** Reads a file sink's checkpoints; a malformed line is an `AuditValidationError` naming it. */
export async function readCheckpointFile(path: string): Promise<AuditCheckpoint[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        value = undefined;
      }
      if (!isCheckpoint(value)) throw new AuditValidationError('checkpoints', `line ${i + 1} is not a checkpoint`);
      return value;
    });
}
