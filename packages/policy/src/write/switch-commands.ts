/**
 * The write path as the service offers it: validate, authorize, ONE store
 * transition (state, history, audit and version together), then make the
 * change visible: this instance at once, the others through the cache and bus.
 */
import type { Logger } from '@rtv/audit';
import { withDeadline } from '@rtv/db';
import { NotFoundError, ValidationError, isConflictError, isNotFoundError } from '../errors';
import type { Authorizer, Clock, Metrics, StoreWriteResult, SwitchStore } from '../ports';
import type { SnapshotSync } from '../sync/snapshot-sync';
import type { ActivateInput, CreateSwitchInput, KillSwitchService, TransitionResult } from '../types';
import { parseActivateInput, parseActivateManyInput, parseCreateInput, parseDeactivateInput } from '../validation';
import { coordinatesOf, createWriteAuthorization } from './authorize-write';
import { createCommitPublisher } from './commit-publisher';
import { createGroupCommit } from './group-commit';
import { createSweeps } from './sweeps';
import { createWriteBudget } from './write-budget';

export interface SwitchCommandsOptions {
  store: SwitchStore;
  sync: Pick<SnapshotSync, 'publish'>;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
  authorize: Authorizer | undefined;
  /** Each write settles within this many ms, authorization included. */
  writeTimeoutMs: number;
  /** Throws when the service is closed. */
  assertOpen: () => void;
}

export type SwitchCommands = Pick<
  KillSwitchService,
  'create' | 'ensure' | 'activate' | 'activateMany' | 'deactivate' | 'sweepExpired' | 'sweepRestarts'
>;

const targetOf = (input: CreateSwitchInput) => ({
  scope: input.scope,
  targetType: input.targetType,
  targetValue: input.targetValue,
  clientId: input.clientId ?? null,
  platform: input.platform ?? null,
});

/** The public shape of a store's answer; the version only when the store told it. */
const transitionResult = (result: StoreWriteResult): TransitionResult =>
  result.version === undefined
    ? { switch: result.row, changed: result.changed }
    : { switch: result.row, changed: result.changed, version: result.version };

/** `now` from the service's clock: a test clock decides what the future is. */
function assertFutureExpiry(input: ActivateInput, field: string, now: number): void {
  if (input.expiresAt && input.expiresAt.getTime() <= now) {
    throw new ValidationError(`${field} must be in the future`, [{ field, message: 'must be in the future' }]);
  }
}

/** A store's NOT_FOUND for a batch names the input's index too. */
function withBatchIndex(error: unknown, inputs: readonly ActivateInput[]): unknown {
  if (!isNotFoundError(error) || error.id === undefined) return error;
  const index = inputs.findIndex((input) => input.id === error.id);
  return index < 0 ? error : new NotFoundError(`inputs[${index}]: ${error.message}`, error.id);
}

export function createSwitchCommands(options: SwitchCommandsOptions): SwitchCommands {
  const { store, sync, clock, metrics, logger } = options;
  const access = createWriteAuthorization(store, options.authorize, metrics);

  const { guarded, authorized } = createWriteBudget(options.writeTimeoutMs, options.assertOpen);

  const publishCommitted = createCommitPublisher(sync, logger);
  // Activations and deactivations share transactions under load; each is published before its caller hears.
  const writes = createGroupCommit(store, publishCommitted, options.writeTimeoutMs);
  const sweeps = createSweeps({ store, metrics, guarded, publishCommitted });

  /** `parsed` has been through `parseCreateInput` (create and ensure both parse once). */
  function createParsed(parsed: CreateSwitchInput) {
    return guarded('creating a kill switch', async (left) => {
      await authorized(left, (budget) =>
        access.authorize(parsed.createdBy, 'create', coordinatesOf(targetOf(parsed)), budget),
      );
      const row = await store.create(parsed, left());
      metrics.increment('kill_switch_created_total', { scope: row.scope });
      return row;
    });
  }

  return {
    create: async (input) => createParsed(parseCreateInput(input)),

    async ensure(input) {
      const parsed = parseCreateInput(input);
      // The read before the create is bounded too: ensure is a write (auto-trip's first step).
      const find = () =>
        guarded('finding a kill switch', (left) =>
          withDeadline(
            store.findByTarget(targetOf(parsed)),
            left().timeoutMs ?? options.writeTimeoutMs,
            'finding a kill switch',
          ),
        );
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
      assertFutureExpiry(parsed, 'expiresAt', clock.now());
      return guarded('activating a kill switch', async (left) => {
        await authorized(left, (budget) => access.authorizeSwitch(parsed.activatedBy, 'activate', parsed.id, budget));
        const result = await writes.write({ kind: 'activate', input: parsed }, left());
        if (result.changed) {
          const metric = result.updated ? 'kill_switch_holds_updated_total' : 'kill_switch_activations_total';
          metrics.increment(metric, { scope: result.row.scope });
        }
        return transitionResult(result);
      });
    },

    async activateMany(inputs) {
      const parsed = parseActivateManyInput(inputs);
      const now = clock.now();
      parsed.forEach((item, i) => assertFutureExpiry(item, `inputs[${i}].expiresAt`, now));
      return guarded(`activating ${parsed.length} kill switches`, async (left) => {
        if (options.authorize) {
          for (const item of parsed) {
            await authorized(left, (budget) => access.authorizeSwitch(item.activatedBy, 'activate', item.id, budget));
          }
        }
        const results = await store.activateMany(parsed, left()).catch((error: unknown) => {
          throw withBatchIndex(error, parsed);
        });
        const changed = results.filter((r) => r.changed);
        for (const result of changed) {
          const metric = result.updated ? 'kill_switch_holds_updated_total' : 'kill_switch_activations_total';
          metrics.increment(metric, { scope: result.row.scope });
        }
        if (changed.length > 0) await publishCommitted(changed);
        return results.map(transitionResult);
      });
    },

    async deactivate(input) {
      const parsed = parseDeactivateInput(input);
      return guarded('deactivating a kill switch', async (left) => {
        await authorized(left, (budget) =>
          access.authorizeSwitch(parsed.deactivatedBy, 'deactivate', parsed.id, budget),
        );
        const result = await writes.write({ kind: 'deactivate', input: parsed }, left());
        if (result.changed) {
          const metric = parsed.restart ? 'kill_switch_restarts_total' : 'kill_switch_deactivations_total';
          metrics.increment(metric, { scope: result.row.scope });
        }
        return transitionResult(result);
      });
    },

    ...sweeps,
  };
}
