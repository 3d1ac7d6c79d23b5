/**
 * The write path as the service offers it: validate, authorize, ONE store
 * transition (state, history, audit and version together), then make the
 * change visible: this instance at once, the others through the cache and bus.
 */
import type { Logger } from '@rtv/audit';
import { errorFields } from '@rtv/audit';
import { ValidationError, isConflictError } from '../errors';
import type { Authorizer, Clock, Metrics, SwitchStore } from '../ports';
import { asStoreError } from '../store-errors';
import type { SnapshotSync } from '../sync/snapshot-sync';
import type { CreateSwitchInput, KillSwitchService } from '../types';
import { parseActivateInput, parseCreateInput, parseDeactivateInput } from '../validation';
import { coordinatesOf, createWriteAuthorization } from './authorize-write';

export interface SwitchCommandsOptions {
  store: SwitchStore;
  sync: Pick<SnapshotSync, 'publish'>;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
  authorize: Authorizer | undefined;
  /** Throws when the service is closed. */
  assertOpen: () => void;
}

export type SwitchCommands = Pick<KillSwitchService, 'create' | 'ensure' | 'activate' | 'deactivate' | 'sweepExpired'>;

const targetOf = (input: CreateSwitchInput) => ({
  scope: input.scope,
  targetType: input.targetType,
  targetValue: input.targetValue,
  clientId: input.clientId ?? null,
  platform: input.platform ?? null,
});

export function createSwitchCommands(options: SwitchCommandsOptions): SwitchCommands {
  const { store, sync, clock, metrics, logger } = options;
  const access = createWriteAuthorization(store, options.authorize, metrics);

  /** Store failures become typed errors that name what was being done. */
  async function guarded<T>(during: string, run: () => Promise<T>): Promise<T> {
    options.assertOpen();
    try {
      return await run();
    } catch (error) {
      throw asStoreError(error, during);
    }
  }

  /** After a commit: this instance sees the change now; a failed publication only delays the others. */
  async function publishCommitted(): Promise<void> {
    try {
      await sync.publish();
    } catch (error) {
      logger.warn(
        { ...errorFields(error), during: 'publish' },
        'kill-switch change committed; telling other instances failed (they will poll)',
      );
    }
  }

  /** `parsed` has been through `parseCreateInput` (create and ensure both parse once). */
  function createParsed(parsed: CreateSwitchInput) {
    return guarded('creating a kill switch', async () => {
      await access.authorize(parsed.createdBy, 'create', coordinatesOf(targetOf(parsed)));
      const row = await store.create(parsed);
      metrics.increment('kill_switch_created_total', { scope: row.scope });
      return row;
    });
  }

  async function sweepExpired(): Promise<number> {
    const expired = await guarded('expiring kill switches', () => store.expireDue());
    if (expired.length > 0) {
      metrics.increment('kill_switch_expired_total', {}, expired.length);
      await publishCommitted();
    }
    return expired.length;
  }

  return {
    create: async (input) => createParsed(parseCreateInput(input)),

    async ensure(input) {
      const parsed = parseCreateInput(input);
      const find = () => guarded('finding a kill switch', () => store.findByTarget(targetOf(parsed)));
      const existing = await find();
      if (existing) return existing;
      try {
        return await createParsed(parsed);
      } catch (error) {
        if (!isConflictError(error)) throw error;
        // Another caller created it between our read and our insert.
        const raced = await find();
        if (raced) return raced;
        throw error;
      }
    },

    async activate(input) {
      const parsed = parseActivateInput(input);
      if (parsed.expiresAt && parsed.expiresAt.getTime() <= clock.now()) {
        throw new ValidationError('expiresAt must be in the future', [
          { field: 'expiresAt', message: 'must be in the future' },
        ]);
      }
      return guarded('activating a kill switch', async () => {
        await access.authorizeSwitch(parsed.activatedBy, 'activate', parsed.id);
        const result = await store.activate(parsed);
        if (result.changed) {
          metrics.increment('kill_switch_activations_total', { scope: result.row.scope });
          await publishCommitted();
        }
        return { switch: result.row, changed: result.changed };
      });
    },

    async deactivate(input) {
      const parsed = parseDeactivateInput(input);
      return guarded('deactivating a kill switch', async () => {
        await access.authorizeSwitch(parsed.deactivatedBy, 'deactivate', parsed.id);
        const result = await store.deactivate(parsed);
        if (result.changed) {
          metrics.increment('kill_switch_deactivations_total', { scope: result.row.scope });
          await publishCommitted();
        }
        return { switch: result.row, changed: result.changed };
      });
    },

    sweepExpired,
  };
}
