/**
 * What every route handler gets: the stores, the settings, the clock, and
 * `deny`, which records a refused attempt in the audit trail before the
 * caller hears 403, so a denied attempt leaves a trace.
 */
import type { AuditEmitter, Logger } from '@rtv/audit';
import type { CheckpointSealer } from '@rtv/audit';
import type { Database, KillSwitch } from '@rtv/db';
import { type Clock, ForbiddenError, type IncidentService, type KillSwitchService, systemClock } from '@rtv/policy';
import { type Identity, type Right, coversClient, hasRight } from '../identity/identity';
import { type AdminServerOptions, type AdminSettings, adminSettings } from './admin-options';
import { ADMIN_AUDIT_TYPES } from './audit-types';

export interface AdminContext {
  db: Database;
  service: KillSwitchService;
  audit: AuditEmitter;
  incidents: IncidentService | undefined;
  clock: Clock;
  settings: AdminSettings;
  options: AdminServerOptions;
  checkpoints: CheckpointSealer | undefined;
  logger: Logger;
  now(): Date;
  /** Throws `ForbiddenError` (audited) unless the identity has the right, on this switch's client when given. */
  require(identity: Identity, right: Right, target?: Pick<KillSwitch, 'id' | 'clientId'>): Promise<void>;
  deny(identity: Identity, operation: string, why: string, target?: string | null): Promise<never>;
}

export function createAdminContext(options: AdminServerOptions, logger: Logger): AdminContext {
  const clock = options.clock ?? systemClock;
  const context: AdminContext = {
    db: options.db,
    service: options.service,
    audit: options.audit,
    incidents: options.incidents,
    clock,
    settings: adminSettings(options),
    options,
    checkpoints: options.checkpoints,
    logger,
    now: () => new Date(clock.now()),
    async deny(identity, operation, why, target = null) {
      try {
        await options.audit.emit({
          type: ADMIN_AUDIT_TYPES.accessDenied,
          actor: identity.actor,
          target,
          metadata: { operation, why, role: identity.role, via: identity.via },
        });
      } catch (error) {
        logger.warn({ error: String(error) }, 'could not audit a refused admin request');
      }
      throw new ForbiddenError(`${identity.actor} may not ${operation}: ${why}`, identity.actor, operation);
    },
    async require(identity, right, target) {
      if (!hasRight(identity, right)) {
        await context.deny(identity, right, `role ${identity.role} lacks the ${right} right`, target?.id);
      }
      if (target && right !== 'read' && !coversClient(identity, target.clientId)) {
        const whose = target.clientId === null ? 'every client' : `client ${target.clientId}`;
        await context.deny(identity, right, `its clients do not include ${whose}`, target.id);
      }
    },
  };
  return context;
}
