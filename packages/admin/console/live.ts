/**
 * Live updates: the admin server's `GET /api/v1/events` read with fetch (so
 * the token goes in a header, not a URL) and parsed as server-sent events:
 * one audit record per event, its seq as the event id, so a reconnect
 * resumes after the last one seen (Last-Event-ID) and misses nothing.
 * The state is `live` while frames arrive, `stale` when none came for
 * STALE_MS (the server sends a keep-alive every 15 s), `down` while reconnecting.
 */
import { authHeaders } from './api';

export type LiveState = 'connecting' | 'live' | 'stale' | 'down';

export interface AuditEvent {
  seq: number;
  type: string;
  actor: string;
  target: string | null;
  clientId: string | null;
  occurredAt: string;
  metadata: Record<string, unknown>;
}

export interface LiveHandlers {
  onState(state: LiveState, lastFrameAt: number | null): void;
  onAudit(records: AuditEvent[]): void;
  /** After a reconnect: what was missed must be read again. */
  onReconnect(): void;
}

const STALE_MS = 40_000;

/** Handles one frame; returns its id (the record's seq) when it had one. */
function dispatch(frame: string, handlers: LiveHandlers): string | undefined {
  let id: string | undefined;
  let data = '';
  for (const line of frame.split('\n')) {
    if (line.startsWith('id:')) id = line.slice(3).trim();
    else if (line.startsWith('data:')) data += line.slice(5).trim();
  }
  if (data) handlers.onAudit([JSON.parse(data) as AuditEvent]);
  return id;
}

export function connectLive(handlers: LiveHandlers): () => void {
  let stopped = false;
  let lastFrameAt: number | null = null;
  let state: LiveState = 'connecting';
  let controller: AbortController | undefined;
  let everConnected = false;
  let lastEventId: string | undefined;
  const setState = (next: LiveState) => {
    if (next !== state) {
      state = next;
      handlers.onState(state, lastFrameAt);
    }
  };
  const watchdog = setInterval(() => {
    if (state === 'live' && lastFrameAt !== null && Date.now() - lastFrameAt > STALE_MS) setState('stale');
  }, 1000);

  async function readStream(): Promise<void> {
    controller = new AbortController();
    const response = await fetch('/api/v1/events', {
      headers: {
        accept: 'text/event-stream',
        ...authHeaders(),
        ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
      },
      signal: controller.signal,
      cache: 'no-store',
    });
    if (!response.ok || !response.body) throw new Error(`events: ${response.status}`);
    if (everConnected) handlers.onReconnect();
    everConnected = true;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('events: the server closed the stream');
      lastFrameAt = Date.now();
      setState('live');
      buffer += value;
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        lastEventId = dispatch(buffer.slice(0, end), handlers) ?? lastEventId;
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
      }
    }
  }

  async function loop(): Promise<void> {
    let delay = 1000;
    while (!stopped) {
      try {
        await readStream();
      } catch {
        if (stopped) return;
        setState('down');
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 15_000);
      }
    }
  }
  void loop();
  return () => {
    stopped = true;
    clearInterval(watchdog);
    controller?.abort();
  };
}
