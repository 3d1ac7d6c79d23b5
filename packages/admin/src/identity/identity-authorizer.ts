/**
 * A service authorizer bound to ONE proven identity (a CLI run with
 * RTV_TOKEN, a worker holding a monitor token): it refuses any other actor,
 * so a string cannot pose as someone else, and applies the identity's
 * rights and client fence. Releases the two-person rule guards are refused:
 * they go through the admin API's approvals.
 */
import type { Authorizer } from '@rtv/policy';
import { type Identity, type Right, coversClient, hasRight } from './identity';

const RIGHT_OF = { create: 'create', activate: 'trip', deactivate: 'release' } as const satisfies Record<string, Right>;

export interface IdentityAuthorizerOptions {
  /** Releases of these scopes need a second person, so this authorizer refuses them. @default ['global'] */
  twoPersonScopes?: readonly string[];
}

export function createIdentityAuthorizer(identity: Identity, options: IdentityAuthorizerOptions = {}): Authorizer {
  const guarded = new Set(options.twoPersonScopes ?? ['global']);
  return (request) => {
    if (request.actor !== identity.actor) return `only ${identity.actor} may act with this credential`;
    const right = RIGHT_OF[request.operation];
    if (!hasRight(identity, right)) return `role ${identity.role} lacks the ${right} right`;
    if (!coversClient(identity, request.switch.clientId)) {
      return `${identity.actor} is not fenced to ${request.switch.clientId ?? 'every client'}`;
    }
    if (request.operation === 'deactivate' && guarded.has(request.switch.scope)) {
      return `releasing a ${request.switch.scope} switch needs a second person: use the admin API (POST /api/v1/switches/:id/deactivate, then an approval)`;
    }
    return true;
  };
}
