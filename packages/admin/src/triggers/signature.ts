/**
 * The trigger webhook's signature: HMAC-SHA256 with the trigger's secret over
 * `<timestamp>.<raw body>`, sent as `X-RTV-Signature: v1=<hex>` with
 * `X-RTV-Timestamp: <unix seconds>`. Senders compute exactly this.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-rtv-signature';
export const TIMESTAMP_HEADER = 'x-rtv-timestamp';

export function signTriggerPayload(secret: string, timestampSeconds: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`, 'utf8').digest('hex')}`;
}

/** The headers a sender adds to a POST of `body` (for tests, the demo and senders written in TypeScript). */
export function triggerHeaders(secret: string, body: string, now: Date = new Date()): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    'content-type': 'application/json',
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: signTriggerPayload(secret, timestamp, body),
  };
}

export function signatureMatches(secret: string, timestampSeconds: number, body: string, presented: string): boolean {
  const expected = Buffer.from(signTriggerPayload(secret, timestampSeconds, body), 'utf8');
  const given = Buffer.from(presented, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
