/**
 * Role-based authorization for switch writes. The library cannot know your
 * users: without an authorizer any non-empty actor may act; with this one,
 * each actor has a role and operators are fenced to their clients.
 */
import type { AuthorizationRequest, Authorizer } from './ports';

export type Role = 'admin' | 'operator' | 'viewer';

export interface ActorGrant {
  role: Role;
  /** For operators: the clients whose switches they may create, activate and deactivate. */
  clients?: readonly string[];
}

export interface RoleAuthorizerOptions {
  /** Grants by actor id. */
  actors?: Record<string, ActorGrant>;
  /** Looks an actor up elsewhere (a directory, a token's claims); consulted when `actors` has no entry. */
  resolve?: (actor: string) => ActorGrant | undefined | Promise<ActorGrant | undefined>;
}

/** The auto-trip monitor's actor. */
export const AUTO_TRIP_ACTOR = 'system:auto_trip';

/**
 * admin: everything. operator: switches of their listed clients only, never
 * one that applies to every client. viewer: nothing that writes.
 * `system:auto_trip`: activate, and create (an inactive switch blocks
 * nothing; the monitor must be able to make the switch it trips), never deactivate.
 * Unknown actors: refused.
 */
export function createRoleAuthorizer(options: RoleAuthorizerOptions = {}): Authorizer {
  return async (request: AuthorizationRequest) => {
    if (request.actor === AUTO_TRIP_ACTOR) {
      return request.operation === 'deactivate' ? 'system:auto_trip may not deactivate switches' : true;
    }
    const grant = options.actors?.[request.actor] ?? (await options.resolve?.(request.actor));
    if (!grant) return `actor ${request.actor} has no role`;
    switch (grant.role) {
      case 'admin':
        return true;
      case 'viewer':
        return `role viewer may not ${request.operation} switches`;
      case 'operator': {
        const clientId = request.switch.clientId;
        if (clientId === null)
          return `role operator may not ${request.operation} a switch that applies to every client`;
        if (!grant.clients?.includes(clientId)) {
          return `role operator of ${grant.clients?.join(', ') || 'no clients'} may not ${request.operation} a switch of client ${clientId}`;
        }
        return true;
      }
      default:
        return `unknown role for actor ${request.actor}`;
    }
  };
}
