/**
 * The execution gate (the trading seed's ExecutionGate): check the switches before an action, run it,
 * and feed its outcome and latency to the auto-trip monitor, so workers need one call, not three.
 */
import { ValidationError } from '../errors';
import type { Clock } from '../ports';
import type { CheckContext, KillSwitchService } from '../types';
import type { AutoTripMonitor } from './auto-trip-monitor';
import { parseTarget } from './target';
import { trippedError } from './tripped-error';
import { type WatchingService, type WorkInFlight, createWorkInFlight } from './work-in-flight';

export interface GateContext extends CheckContext {
  /**
   * What the monitor counts the outcome against.
   * @default `platform:<platform>` when a platform is given, else `action:<action>`
   */
  target?: string;
}

export interface ExecutionGateOptions {
  /**
   * With `check` and `onStateChange` too (a whole service), `run` cancels work a switch comes
   * to block while it runs; with `isTripped` alone it only checks before.
   */
  killSwitchService: Pick<KillSwitchService, 'isTripped'> & Partial<WatchingService>;
  /** When given, `run` records each outcome (success, failure, latency) to it. */
  monitor?: Pick<AutoTripMonitor, 'recordResult'>;
  /** Measures latency. @default performance.now() */
  clock?: Clock;
  /**
   * A failure to record an outcome (never thrown: the action has happened,
   * and an error here would invite a retry of it).
   * @default console.error
   */
  onRecordError?: (error: unknown) => void;
}

export interface ExecutionGate {
  /** Returns when the action may run; throws `KillSwitchTrippedError` (code `TRIPPED`) naming the switch. */
  check(ctx: GateContext): Promise<void>;
  /**
   * `check`, then `fn`; records the outcome when a monitor is given and
   * rethrows `fn`'s error. When tripped, `fn` is not called. `fn` gets a signal that aborts,
   * its reason the `KillSwitchTrippedError` of the decision, when a switch that blocks this
   * context becomes active (on any instance) while `fn` runs; pass it to fetch, streams, SDKs.
   */
  run<T>(ctx: GateContext, fn: (signal: AbortSignal) => T | Promise<T>): Promise<T>;
}

const monotonic: Clock = { now: () => performance.now() };

export { trippedError };

export function createExecutionGate(options: ExecutionGateOptions): ExecutionGate {
  const { killSwitchService, monitor } = options;
  const clock = options.clock ?? monotonic;
  // Called through the service object: a class instance keeps its `this`.
  const inFlight: WorkInFlight | undefined =
    killSwitchService.check && killSwitchService.onStateChange
      ? createWorkInFlight({
          check: (context) => (killSwitchService.check as WatchingService['check']).call(killSwitchService, context),
          onStateChange: (listener) =>
            (killSwitchService.onStateChange as WatchingService['onStateChange']).call(killSwitchService, listener),
        })
      : undefined;
  const onRecordError =
    options.onRecordError ?? ((error: unknown) => console.error('[execution-gate] recording failed', error));

  async function check(ctx: GateContext): Promise<void> {
    const result = await killSwitchService.isTripped({
      clientId: ctx.clientId,
      action: ctx.action,
      platform: ctx.platform,
      ...(ctx.key === undefined ? {} : { key: ctx.key }),
    });
    if (result.tripped) throw trippedError(result);
  }

  function targetOf(ctx: GateContext): string {
    const target = ctx.target ?? (ctx.platform ? `platform:${ctx.platform}` : `action:${ctx.action}`);
    // Refused before the action runs: afterwards it could only be swallowed.
    const parsed = parseTarget(target);
    if (parsed instanceof ValidationError) throw parsed;
    return target;
  }

  function record(target: string, ctx: GateContext, success: boolean, started: number): void {
    try {
      monitor?.recordResult({
        target,
        clientId: ctx.clientId,
        success,
        latencyMs: Math.max(0, clock.now() - started),
      });
    } catch (recordError) {
      onRecordError(recordError);
    }
  }

  return {
    check,
    async run(ctx, fn) {
      const target = monitor ? targetOf(ctx) : '';
      // Watched from before the check: a change applied between the two is not missed.
      const watch = inFlight?.watch({
        clientId: ctx.clientId,
        action: ctx.action,
        platform: ctx.platform,
        key: ctx.key,
      });
      let value: Awaited<ReturnType<typeof fn>>;
      try {
        await check(ctx);
        const started = clock.now();
        try {
          value = await fn(watch?.signal ?? new AbortController().signal);
        } catch (error) {
          if (monitor) record(target, ctx, false, started);
          throw error;
        }
        if (monitor) record(target, ctx, true, started);
      } finally {
        watch?.done();
      }
      return value;
    },
  };
}
