/**
 * Typed errors with stable codes. Each class carries a brand so the guards
 * work across duplicated package copies (instanceof does not).
 */

export type KillSwitchErrorCode =
  | 'VALIDATION_ERROR'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'CONFLICT'
  | 'STATE_UNAVAILABLE'
  | 'OUTCOME_UNKNOWN'
  | 'TRIPPED';

import type { CheckResult, DecisionCode, KillSwitchMode, SwitchLevel } from './types';

const BRAND = Symbol.for('@rtv/policy/KillSwitchError');

export class KillSwitchError extends Error {
  readonly [BRAND] = true;
  constructor(
    readonly code: KillSwitchErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `reason` or `metadata.note`. */
  field: string;
  message: string;
}

/** Bad input: names the field; nothing was changed. */
export class ValidationError extends KillSwitchError {
  constructor(
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super('VALIDATION_ERROR', message);
  }
}

export class NotFoundError extends KillSwitchError {
  constructor(
    message: string,
    readonly id?: string,
  ) {
    super('NOT_FOUND', message);
  }
}

export class ForbiddenError extends KillSwitchError {
  constructor(
    message: string,
    readonly actor?: string,
    readonly operation?: string,
  ) {
    super('FORBIDDEN', message);
  }
}

/** The change collides with existing state (e.g. a duplicate switch). */
export class ConflictError extends KillSwitchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFLICT', message, options);
  }
}

/** A store could not be reached or did not answer in time. */
export class StateUnavailableError extends KillSwitchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STATE_UNAVAILABLE', message, options);
  }
}

/**
 * A write's COMMIT was sent but no answer came, and reading the state back could not tell
 * whether it committed: the change may or may not be in effect. Read the switch before retrying.
 */
export class OutcomeUnknownError extends KillSwitchError {
  constructor(
    message: string,
    readonly id?: string,
    options?: { cause?: unknown },
  ) {
    super('OUTCOME_UNKNOWN', message, options);
  }
}

/**
 * Thrown by the execution gate when a switch blocks the action (and the abort reason of gated
 * work a switch now blocks). It carries the check's decision, so an agent framework can hand it
 * to the model as it is: `toJSON()` is the decision without the switch's internals.
 */
export class KillSwitchTrippedError extends KillSwitchError {
  readonly mode: KillSwitchMode | null;
  readonly level: SwitchLevel | null;
  readonly reasonCode: DecisionCode | null;
  readonly version: number | null;
  readonly expiresAt: Date | null;
  readonly nextStepAt: Date | null;
  constructor(
    message: string,
    readonly switchId: string | null,
    readonly reason: string | null,
    readonly decision?: CheckResult,
  ) {
    super('TRIPPED', message);
    this.mode = decision?.mode ?? null;
    this.level = decision?.level ?? null;
    this.reasonCode = decision?.reasonCode ?? null;
    this.version = decision?.version ?? null;
    this.expiresAt = decision?.expiresAt ?? null;
    this.nextStepAt = decision?.nextStepAt ?? null;
  }

  /** What a program (or a model) needs to act on: reject this call, wait until a time, or halt the run. */
  toJSON() {
    return {
      code: this.code,
      message: this.message,
      switchId: this.switchId,
      reason: this.reason,
      mode: this.mode,
      level: this.level,
      reasonCode: this.reasonCode,
      version: this.version,
      expiresAt: this.expiresAt?.toISOString() ?? null,
      nextStepAt: this.nextStepAt?.toISOString() ?? null,
    };
  }
}

export function isKillSwitchError(error: unknown): error is KillSwitchError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}

const hasCode =
  <T extends KillSwitchError>(code: KillSwitchErrorCode) =>
  (error: unknown): error is T =>
    isKillSwitchError(error) && error.code === code;

export const isValidationError = hasCode<ValidationError>('VALIDATION_ERROR');
export const isNotFoundError = hasCode<NotFoundError>('NOT_FOUND');
export const isForbiddenError = hasCode<ForbiddenError>('FORBIDDEN');
export const isConflictError = hasCode<ConflictError>('CONFLICT');
export const isStateUnavailableError = hasCode<StateUnavailableError>('STATE_UNAVAILABLE');
export const isOutcomeUnknownError = hasCode<OutcomeUnknownError>('OUTCOME_UNKNOWN');
export const isKillSwitchTrippedError = hasCode<KillSwitchTrippedError>('TRIPPED');
