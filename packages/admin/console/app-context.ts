/** What every view gets: who is signed in, the server's release policy, and a way to tell the operator something. */
import type { Json } from './api';
import type { AuditEvent } from './live';

export interface AppContext {
  identity: Json;
  policy: Json;
  /** Shows a message in the page's status region (announced by screen readers). */
  say(message: string, kind?: 'ok' | 'error' | 'info'): void;
  /** Listens to live audit records until the view is left. */
  onAudit(listener: (records: AuditEvent[]) => void): void;
  /** Runs fn every ms until the view is left. */
  every(ms: number, fn: () => void): void;
}

export interface View {
  id: string;
  title: string;
  render(ctx: AppContext, root: HTMLElement): Promise<void>;
}

export function errorText(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return e.code ? `${e.code}: ${e.message}` : String(e.message ?? error);
}
