/**
 * The kill-switch service as an OpenFeature server provider. Flags are booleans named for the
 * action (flag-key.ts); each evaluation is one in-process check (no I/O). The provider's status
 * follows the sync path: READY while the state is confirmed, STALE when it has gone unconfirmed,
 * ERROR when there is none (or the service closed); every state applied emits
 * ConfigurationChanged. The provider never closes the service: the application owns it.
 */
import {
  type EvaluationContext,
  FlagNotFoundError,
  type JsonValue,
  OpenFeatureEventEmitter,
  type Provider,
  ProviderEvents,
  type ResolutionDetails,
  TypeMismatchError,
} from '@openfeature/server-sdk';
import { InvalidContextError } from '@openfeature/server-sdk';
import type { KillSwitchService } from '@rtv/policy';
import { isValidationError } from '@rtv/policy';
import { checkContextOf } from './evaluation-context';
import { DEFAULT_FLAG_PREFIX, actionOfFlag } from './flag-key';
import { resolutionOf } from './resolution';

export interface KillSwitchProviderOptions {
  /** A kill-switch service (`createKillSwitchService`); the application starts and closes it. */
  service: Pick<KillSwitchService, 'isTripped' | 'check' | 'ready' | 'onStateChange'>;
  /** Flags are `<flagPrefix><action>`. @default 'allow.' */
  flagPrefix?: string;
  /** How often the provider re-reads the state's freshness for its status. @default 1000 */
  statusIntervalMs?: number;
}

type Status = 'READY' | 'STALE' | 'ERROR';

/** A check no switch is meant to match: only whether the state is usable is read from it. */
const PROBE = Object.freeze({ clientId: '__openfeature_status__', action: '__openfeature_status__' });

export class KillSwitchProvider implements Provider {
  readonly metadata = { name: 'rtv-kill-switch' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  private readonly service: KillSwitchProviderOptions['service'];
  private readonly prefix: string;
  private readonly statusIntervalMs: number;
  private judged: Status | undefined;
  private stopListening: (() => void) | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: KillSwitchProviderOptions) {
    this.service = options.service;
    this.prefix = options.flagPrefix ?? DEFAULT_FLAG_PREFIX;
    this.statusIntervalMs = options.statusIntervalMs ?? 1000;
  }

  /** Resolves once the first state is loaded; rejects (the SDK then reports ERROR) when it cannot be. */
  async initialize(): Promise<void> {
    this.stopListening ??= this.service.onStateChange(() => {
      this.judgeStatus();
      const version = this.service.check(PROBE).version;
      this.events.emit(ProviderEvents.ConfigurationChanged, {
        message: `kill-switch state version ${version} applied`,
        metadata: { version },
      });
    });
    this.timer ??= setInterval(() => this.judgeStatus(), this.statusIntervalMs);
    this.timer.unref?.();
    await this.service.ready();
    this.judged = 'READY';
  }

  async onClose(): Promise<void> {
    this.stopListening?.();
    this.stopListening = undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The status the state's freshness says; an event when it moved. */
  private judgeStatus(): void {
    const probe = this.service.check(PROBE);
    const next: Status =
      probe.reasonCode === 'SERVICE_CLOSED' || (probe.reasonCode === 'STATE_UNAVAILABLE' && probe.version < 0)
        ? 'ERROR'
        : probe.reasonCode === 'STATE_UNAVAILABLE'
          ? 'STALE'
          : 'READY';
    if (next === this.judged || this.judged === undefined) return;
    this.judged = next;
    const message = probe.reason ?? 'kill-switch state confirmed';
    if (next === 'READY') this.events.emit(ProviderEvents.Ready, { message });
    else if (next === 'STALE') this.events.emit(ProviderEvents.Stale, { message });
    else this.events.emit(ProviderEvents.Error, { message });
  }

  async resolveBooleanEvaluation(
    flagKey: string,
    _defaultValue: boolean,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<boolean>> {
    const action = actionOfFlag(flagKey, this.prefix);
    if (action === undefined) {
      throw new FlagNotFoundError(`kill-switch flags are named ${this.prefix}<action>; got ${flagKey}`);
    }
    try {
      return resolutionOf(await this.service.isTripped(checkContextOf(action, context)));
    } catch (error) {
      if (isValidationError(error)) throw new InvalidContextError(error.message);
      throw error;
    }
  }

  async resolveStringEvaluation(flagKey: string): Promise<ResolutionDetails<string>> {
    throw this.notBoolean(flagKey);
  }

  async resolveNumberEvaluation(flagKey: string): Promise<ResolutionDetails<number>> {
    throw this.notBoolean(flagKey);
  }

  async resolveObjectEvaluation<T extends JsonValue>(flagKey: string): Promise<ResolutionDetails<T>> {
    throw this.notBoolean(flagKey);
  }

  private notBoolean(flagKey: string): TypeMismatchError {
    return new TypeMismatchError(
      `kill-switch flags are booleans (may the action run?); ${flagKey} was asked as another type`,
    );
  }
}
