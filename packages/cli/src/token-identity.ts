/**
 * The CLI acting as a named identity: with RTV_TOKEN set, the token is checked
 * against the database and every write is made as its identity (`user:<name>`,
 * `system:<name>`), with its rights, client fence and the two-person rule;
 * `--by` is then refused, so the trail says who really acted.
 */
import { type Identity, createIdentityAuthorizer, identityFromToken } from '@rtv/admin';
import type { Database } from '@rtv/db';
import type { IncidentService, KillSwitchService } from '@rtv/policy';
import { UsageError } from './usage-error';

/** What `resolveActor` answers under RTV_TOKEN, replaced by the token's actor once it is proven. */
export const TOKEN_ACTOR = '(RTV_TOKEN)';

export async function tokenIdentity(db: Database, env: NodeJS.ProcessEnv): Promise<Identity | undefined> {
  const token = env.RTV_TOKEN?.trim();
  if (!token) return undefined;
  const identity = await identityFromToken(db, token, new Date());
  if (!identity) throw new UsageError('RTV_TOKEN is unknown, expired or revoked (see rtv-ks tokens list)', 'RTV_TOKEN');
  return identity;
}

export const tokenAuthorizer = createIdentityAuthorizer;

const as = (identity: Identity, actor: string): string => (actor === TOKEN_ACTOR ? identity.actor : actor);

/** The service with the placeholder actor replaced by the proven one (the authorizer refuses any other). */
export function actingAs(service: KillSwitchService, identity: Identity): KillSwitchService {
  return {
    ...service,
    create: (input) => service.create({ ...input, createdBy: as(identity, input.createdBy) }),
    ensure: (input) => service.ensure({ ...input, createdBy: as(identity, input.createdBy) }),
    activate: (input) => service.activate({ ...input, activatedBy: as(identity, input.activatedBy) }),
    deactivate: (input) => service.deactivate({ ...input, deactivatedBy: as(identity, input.deactivatedBy) }),
    activateMany: (inputs) =>
      service.activateMany(inputs.map((input) => ({ ...input, activatedBy: as(identity, input.activatedBy) }))),
  };
}

export function incidentsActingAs(incidents: IncidentService, identity: Identity): IncidentService {
  return {
    ...incidents,
    acknowledge: (input) => incidents.acknowledge({ ...input, actor: as(identity, input.actor) }),
    resolve: (input) => incidents.resolve({ ...input, actor: as(identity, input.actor) }),
    addNote: (input) => incidents.addNote({ ...input, actor: as(identity, input.actor) }),
  };
}
