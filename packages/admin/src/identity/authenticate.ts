/**
 * Proves the caller's identity from `Authorization: Bearer <token>` or, when
 * configured, from a trusted proxy's identity header. Anything else is 401:
 * no route runs for an unknown caller, and nothing in a body can change who acts.
 */
import type { Database } from '@rtv/db';
import { AdminHttpError } from '../errors';
import type { TrustedProxyOptions } from '../server/admin-options';
import { type Identity, actorFor } from './identity';
import { identityFromToken } from './tokens';

export interface AuthenticationInput {
  authorization: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

function fromProxy(proxy: TrustedProxyOptions, headers: AuthenticationInput['headers']): Identity | undefined {
  const value = headers[proxy.header.toLowerCase()];
  if (typeof value !== 'string' || value === '') return undefined;
  const grant = Object.hasOwn(proxy.grants, value) ? proxy.grants[value] : undefined;
  if (!grant)
    throw new AdminHttpError('UNAUTHORIZED', `the proxy's user ${JSON.stringify(value.slice(0, 80))} has no grant`);
  return {
    actor: actorFor(grant.role, value),
    role: grant.role,
    clients: grant.clients ?? [],
    breakGlass: grant.breakGlass ?? false,
    via: 'proxy',
  };
}

export async function authenticate(
  db: Database,
  input: AuthenticationInput,
  now: Date,
  proxy: TrustedProxyOptions | undefined,
): Promise<Identity> {
  if (input.authorization !== undefined) {
    const match = /^Bearer (\S+)$/.exec(input.authorization);
    const identity = match?.[1] ? await identityFromToken(db, match[1], now) : undefined;
    if (!identity) throw new AdminHttpError('UNAUTHORIZED', 'the bearer token is unknown, expired or revoked');
    return identity;
  }
  const viaProxy = proxy ? fromProxy(proxy, input.headers) : undefined;
  if (viaProxy) return viaProxy;
  throw new AdminHttpError('UNAUTHORIZED', 'send Authorization: Bearer <token> (create one with rtv-ks tokens create)');
}
