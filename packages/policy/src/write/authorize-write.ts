import { encodeUnstorable } from '@rtv/audit';
/**
 * Asks the authorizer before a write. A refusal is audited (in the store's
 * own trail) before the caller hears `ForbiddenError`, so a denied attempt
 * leaves a trace even though nothing changed.
 */
import type { KillSwitch } from '@rtv/db';
import { ForbiddenError } from '../errors';
import type { AuthorizationRequest, Authorizer, Metrics, SwitchStore, WriteOptions } from '../ports';
import { AUDIT_TYPES, notFound } from './transition-records';

const MAX_WHY = 1000;

export type SwitchCoordinates = AuthorizationRequest['switch'];

export const coordinatesOf = (
  row: Pick<KillSwitch, 'scope' | 'clientId' | 'targetType' | 'targetValue' | 'platform'> & { id?: string },
): SwitchCoordinates => ({
  ...(row.id === undefined ? {} : { id: row.id }),
  scope: row.scope,
  clientId: row.clientId ?? null,
  targetType: row.targetType,
  targetValue: row.targetValue,
  platform: row.platform ?? null,
});

export interface WriteAuthorization {
  /** Resolves when `actor` may do `operation` to a switch with these coordinates; throws `ForbiddenError` otherwise. */
  authorize(
    actor: string,
    operation: AuthorizationRequest['operation'],
    target: SwitchCoordinates,
    options?: WriteOptions,
  ): Promise<void>;
  /** The same for an existing switch, read first only when an authorizer needs its coordinates. */
  authorizeSwitch(
    actor: string,
    operation: 'activate' | 'deactivate',
    id: string,
    options?: WriteOptions,
  ): Promise<void>;
}

export function createWriteAuthorization(
  store: SwitchStore,
  authorizer: Authorizer | undefined,
  metrics: Metrics,
): WriteAuthorization {
  async function authorize(
    actor: string,
    operation: AuthorizationRequest['operation'],
    target: SwitchCoordinates,
    options?: WriteOptions,
  ) {
    if (!authorizer) return;
    const verdict = await authorizer({ actor, operation, switch: target });
    if (verdict === true) return;
    // The authorizer's words go to the audit as they can be stored: encoded, bounded.
    const why = typeof verdict === 'string' ? encodeUnstorable(verdict.slice(0, MAX_WHY)) : 'not allowed';
    metrics.increment('kill_switch_access_denied_total', { operation });
    const refused = new ForbiddenError(`${actor} may not ${operation} this kill switch: ${why}`, actor, operation);
    try {
      await store.appendAudit(
        {
          type: AUDIT_TYPES.denied,
          actor,
          target: target.id ?? null,
          clientId: target.clientId,
          metadata: { operation, why, ...target },
        },
        options,
      );
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new ForbiddenError(
        `${refused.message} (and the refusal could not be audited: ${detail})`,
        actor,
        operation,
      );
    }
    throw refused;
  }

  return {
    authorize,
    async authorizeSwitch(actor, operation, id, options) {
      // Without an authorizer skip the read: the store's locked read finds a missing id.
      if (!authorizer) return;
      const existing = await store.get(id);
      if (!existing) throw notFound(id);
      // A switch's coordinates never change, so this read cannot go stale.
      await authorize(actor, operation, coordinatesOf(existing), options);
    },
  };
}
