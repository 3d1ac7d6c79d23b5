/** The identity the authentication hook attached to a request. */
import type { FastifyRequest } from 'fastify';
import { AdminHttpError } from '../errors';
import type { Identity } from '../identity/identity';

declare module 'fastify' {
  interface FastifyRequest {
    identity: Identity | null;
  }
  interface FastifyContextConfig {
    /** The route answers without a credential (health, signed hooks). */
    public?: boolean;
  }
}

export function identityOf(request: FastifyRequest): Identity {
  if (!request.identity) throw new AdminHttpError('UNAUTHORIZED', 'no identity');
  return request.identity;
}
