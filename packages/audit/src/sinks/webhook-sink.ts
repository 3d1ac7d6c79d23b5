/**
 * A sink that POSTs batches as JSON to a URL, with a Slack-compatible `text`
 * summary, so a chat channel or an HTTP collector sees the changes that matter.
 */
import type { AuditRecord } from '../ports';
import { type AuditRecordJson, type AuditSink, auditRecordToJson } from './sink';

export interface WebhookSinkOptions {
  /** Where to POST. */
  url: string;
  /** Extra request headers, e.g. an authorization token. @default {} */
  headers?: Record<string, string>;
  /** Abort a request after this many ms (then it is retried). @default 5000 */
  timeoutMs?: number;
  /**
   * Which records go out: a list of record types, or a predicate. Records
   * left out count as delivered.
   * @default every record
   */
  filter?: readonly string[] | ((record: AuditRecord) => boolean);
  /** Sink name; keys its delivery cursor. @default 'webhook' */
  name?: string;
}

/** The JSON body of each POST. */
export interface WebhookPayload {
  /** One-line human summary (Slack's incoming-webhook field). */
  text: string;
  records: AuditRecordJson[];
}

/** Thrown for a non-2xx answer; the dispatcher retries the batch. */
export class WebhookDeliveryError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookDeliveryError';
  }
}

const describe = (record: AuditRecord): string =>
  `${record.type} by ${record.actor}${record.target ? ` on ${record.target}` : ''}${
    record.clientId ? ` (client ${record.clientId})` : ''
  }`;

/** A one-line summary such as `Audit: KILL_SWITCH_ACTIVATED by alice on ks_1 (+2 more)`. */
export function summarizeRecords(records: readonly AuditRecord[]): string {
  const [first] = records;
  if (!first) return 'Audit: no records';
  const more = records.length > 1 ? ` (+${records.length - 1} more)` : '';
  return `Audit: ${describe(first)}${more}`.replace(/[\r\n]+/g, ' ');
}

export function createWebhookSink(options: WebhookSinkOptions): AuditSink {
  const url = new URL(options.url).toString();
  // Webhook URLs often carry their secret in the path: errors name only the origin.
  const { origin } = new URL(url);
  const timeoutMs = options.timeoutMs ?? 5000;
  const { filter } = options;
  const selected: (record: AuditRecord) => boolean =
    filter === undefined
      ? () => true
      : typeof filter === 'function'
        ? filter
        : (record) => filter.includes(record.type);

  return {
    name: options.name ?? 'webhook',
    async deliver(records: AuditRecord[]): Promise<void> {
      const outgoing = records.filter(selected);
      if (outgoing.length === 0) return;
      const payload: WebhookPayload = { text: summarizeRecords(outgoing), records: outgoing.map(auditRecordToJson) };
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      timer.unref();
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...options.headers },
          body: JSON.stringify(payload),
          signal: controller.signal,
        });
        // Drain the body so the connection can be reused.
        await response.arrayBuffer().catch(() => undefined);
        if (!response.ok) {
          throw new WebhookDeliveryError(response.status, `Webhook at ${origin} answered ${response.status}`);
        }
      } catch (error) {
        if (controller.signal.aborted) throw new Error(`Webhook at ${origin} did not answer within ${timeoutMs} ms`);
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
