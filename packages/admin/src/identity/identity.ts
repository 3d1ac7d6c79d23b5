/**
 * Who is calling and what they may do. An identity always comes from a
 * credential (a token, a trigger's secret, a trusted proxy header): never from
 * a request body. Its `actor` is what the audit trail records.
 */
import type { AdminRole } from '@rtv/db';

export type { AdminRole };

export type Right = 'read' | 'create' | 'trip' | 'release' | 'manage';

export interface Identity {
  /** What the audit trail records: `user:<name>`, `system:<name>` (monitors) or `trigger:<name>`. */
  actor: string;
  role: AdminRole;
  /** Operators and monitors are fenced to these clients (empty: operators none, monitors any). */
  clients: readonly string[];
  /** May release alone, with a mandatory reason and a bounded bypass. */
  breakGlass: boolean;
  /** How the identity was proven. */
  via: 'token' | 'proxy' | 'trigger';
  /** The token's or trigger's id. */
  credentialId?: string;
}

const RIGHTS: Record<AdminRole, readonly Right[]> = {
  admin: ['read', 'create', 'trip', 'release', 'manage'],
  operator: ['read', 'create', 'trip', 'release'],
  viewer: ['read'],
  // Monitors, triggers and agents may stop work, never restart it.
  monitor: ['read', 'trip'],
};

/** The actor an identity of this role and name records. */
export function actorFor(role: AdminRole, name: string): string {
  return role === 'monitor' ? `system:${name}` : `user:${name}`;
}

export const hasRight = (identity: Identity, right: Right): boolean => RIGHTS[identity.role].includes(right);

/** Whether the identity's client fence lets it act on a switch of this client (null: every client). */
export function coversClient(identity: Identity, clientId: string | null): boolean {
  if (identity.role === 'admin' || identity.role === 'viewer') return true;
  if (identity.role === 'monitor' && identity.clients.length === 0) return true;
  return clientId !== null && identity.clients.includes(clientId);
}

/** Whether the identity may see a switch of this client: fenced identities see their clients' and fleet-wide switches. */
export function seesClient(identity: Identity, clientId: string | null): boolean {
  return clientId === null || coversClient(identity, clientId);
}

/** True when the identity reads everything (admins, viewers, unfenced monitors). */
export const unfenced = (identity: Identity): boolean => coversClient(identity, '\u0000any');
