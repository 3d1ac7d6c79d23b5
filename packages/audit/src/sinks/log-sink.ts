/**
 * A sink that writes one structured JSON line per record, to a logger
 * (pino, console-like) or to stdout, for log pipelines that already ship logs.
 */
import type { AuditRecord } from '../ports';
import { type AuditSink, auditRecordToJson } from './sink';

/** Anything with an `info(object)` method, e.g. a pino logger. */
export interface StructuredLogger {
  info(entry: Record<string, unknown>): void;
}

export interface LogSinkOptions {
  /** Receives one object per record. @default writes one JSON line per record to `process.stdout` */
  logger?: StructuredLogger;
  /** Sink name; keys its delivery cursor. @default 'log' */
  name?: string;
}

export function createLogSink(options: LogSinkOptions = {}): AuditSink {
  const { logger } = options;
  return {
    name: options.name ?? 'log',
    async deliver(records: AuditRecord[]): Promise<void> {
      for (const record of records) {
        const entry = { msg: 'audit', audit: auditRecordToJson(record) };
        if (logger) logger.info(entry);
        else process.stdout.write(`${JSON.stringify(entry)}\n`);
      }
    },
  };
}
