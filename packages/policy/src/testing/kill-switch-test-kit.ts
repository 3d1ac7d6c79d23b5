/**
 * A kill-switch service for consumers' own tests, as OpenFeature's
 * InMemoryProvider or LaunchDarkly's TestData are: the real service (index,
 * validation, failure policy, audit) on memory adapters, a clock the test
 * moves, and faults it can switch on. No server, no timers of its own.
 */
import type { MemoryAuditEmitter } from '@rtv/audit';
import type { KillSwitch } from '@rtv/db';
import { createMemorySwitchStore } from '../adapters/memory/memory-switch-store';
import { createKillSwitchService } from '../service/create-service';
import type { CommonServiceOptions } from '../service/service-options';
import type { CreateSwitchInput, KillSwitchService } from '../types';
import { type StoreFaults, withStoreFaults } from './faulty-store';
import { type TestClock, createTestClock } from './test-clock';

export interface KillSwitchTestKitOptions extends Omit<CommonServiceOptions, 'clock'> {
  /** @default a test clock at 2026-01-01T00:00:00Z */
  clock?: TestClock;
}

export interface KillSwitchTestKit {
  /** The real service, on memory adapters. */
  readonly service: KillSwitchService;
  readonly clock: TestClock;
  /** Every audit record the service wrote (transitions and refusals). */
  readonly audit: MemoryAuditEmitter;
  readonly faults: StoreFaults & {
    /** Store down and the clock moved past `maxStalenessMs`: checks now answer by the failure policy. */
    makeStale(): Promise<void>;
  };
  /** Finds or creates the switch for this target and activates it. */
  trip(target: Omit<CreateSwitchInput, 'createdBy'>, reason?: string): Promise<KillSwitch>;
  /** Deactivates a switch. */
  release(id: string, reason?: string): Promise<KillSwitch>;
  /** Lets held changes through and applies them now. */
  propagate(): Promise<void>;
  close(): Promise<void>;
}

const TEST_ACTOR = 'test-kit';

/** Builds the kit; its first checks wait for the (immediate) first load, or `await kit.service.ready()`. */
export function createKillSwitchTestKit(options: KillSwitchTestKitOptions = {}): KillSwitchTestKit {
  const clock = options.clock ?? createTestClock();
  const memory = createMemorySwitchStore({ clock });
  const { store, faults } = withStoreFaults(memory);
  const maxStalenessMs = options.maxStalenessMs ?? 300_000;
  const service = createKillSwitchService({ sweepIntervalMs: 0, ...options, maxStalenessMs, clock, store });

  return {
    service,
    clock,
    audit: memory.audit,
    faults: {
      ...faults,
      async makeStale() {
        faults.storeDown(true);
        clock.advance(maxStalenessMs + 1);
        await clock.flush();
      },
    },
    async trip(target, reason = 'tripped by the test kit') {
      const row = await service.ensure({ ...target, createdBy: TEST_ACTOR });
      return (await service.activate({ id: row.id, reason, activatedBy: TEST_ACTOR })).switch;
    },
    async release(id, reason = 'released by the test kit') {
      return (await service.deactivate({ id, reason, deactivatedBy: TEST_ACTOR })).switch;
    },
    async propagate() {
      faults.releasePropagation();
      await service.invalidateCache();
    },
    close: () => service.close(),
  };
}
