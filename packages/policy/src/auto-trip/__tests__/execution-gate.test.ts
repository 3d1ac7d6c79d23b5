import { describe, expect, it } from 'vitest';
import { isKillSwitchTrippedError, isValidationError } from '../../errors';
import { createKillSwitchTestKit } from '../../testing/kill-switch-test-kit';
import { createTestClock } from '../../testing/test-clock';
import type { KillSwitchService } from '../../types';
import { createExecutionGate } from '../execution-gate';
import type { RecordedResult } from '../target';

/** The real service on memory adapters, as consumers' own tests get it. */
const createService = (): KillSwitchService => createKillSwitchTestKit().service;

/** A monitor that keeps what it is given (the gate's only collaborator on this side). */
function recorder() {
  const results: RecordedResult[] = [];
  return { results, recordResult: (r: RecordedResult) => void results.push(r) };
}

async function tripMeta(service: KillSwitchService, clientId: string) {
  const sw = await service.ensure({
    scope: 'client',
    targetType: 'platform',
    targetValue: 'meta',
    clientId,
    createdBy: 'ops',
  });
  await service.activate({ id: sw.id, reason: 'Meta is failing for this client', activatedBy: 'ops' });
  return sw.id;
}

describe('ExecutionGate', () => {
  it('check returns when nothing blocks and throws a TRIPPED error naming the switch when one does', async () => {
    const service = createService();
    const gate = createExecutionGate({ killSwitchService: service });
    await expect(gate.check({ clientId: 'a', action: 'publish', platform: 'meta' })).resolves.toBeUndefined();
    const id = await tripMeta(service, 'a');
    const error = await gate.check({ clientId: 'a', action: 'publish', platform: 'meta' }).catch((e: unknown) => e);
    expect(isKillSwitchTrippedError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'TRIPPED', switchId: id, reason: 'Meta is failing for this client' });
    expect((error as Error).message).toContain(id);
    await expect(gate.check({ clientId: 'b', action: 'publish', platform: 'meta' })).resolves.toBeUndefined();
  });

  it('run does not call fn when tripped, and records nothing', async () => {
    const service = createService();
    const monitor = recorder();
    const gate = createExecutionGate({ killSwitchService: service, monitor });
    await tripMeta(service, 'a');
    let calls = 0;
    await expect(gate.run({ clientId: 'a', action: 'publish', platform: 'meta' }, () => ++calls)).rejects.toMatchObject(
      {
        code: 'TRIPPED',
      },
    );
    expect(calls).toBe(0);
    expect(monitor.results).toEqual([]);
  });

  it('records success with latency, and failure with its code, rethrowing the original error', async () => {
    const clock = createTestClock(1_000);
    const monitor = recorder();
    const gate = createExecutionGate({ killSwitchService: createService(), monitor, clock });
    const ctx = { clientId: 'a', action: 'publish', platform: 'meta' };
    await expect(
      gate.run(ctx, async () => {
        clock.advance(250);
        return 42;
      }),
    ).resolves.toBe(42);
    const boom = Object.assign(new Error('rate limited'), { code: 'HTTP_429' });
    await expect(
      gate.run(ctx, () => {
        clock.advance(10);
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(monitor.results).toEqual([
      { target: 'platform:meta', clientId: 'a', success: true, latencyMs: 250 },
      { target: 'platform:meta', clientId: 'a', success: false, latencyMs: 10 },
    ]);
  });

  it('targets action:<action> without a platform, and honours an explicit target', async () => {
    const monitor = recorder();
    const gate = createExecutionGate({ killSwitchService: createService(), monitor });
    await gate.run({ clientId: 'a', action: 'engage' }, () => 1);
    await gate.run({ clientId: 'a', action: 'publish', platform: 'meta', target: 'action:publish' }, () => 1);
    expect(monitor.results.map((r) => r.target)).toEqual(['action:engage', 'action:publish']);
  });

  it('refuses a bad target before running fn', async () => {
    const gate = createExecutionGate({ killSwitchService: createService(), monitor: recorder() });
    let ran = false;
    const error = await gate
      .run({ clientId: 'a', action: 'x', target: 'meta' }, () => {
        ran = true;
      })
      .catch((e: unknown) => e);
    expect(isValidationError(error)).toBe(true);
    expect(ran).toBe(false);
  });

  it('a failure to record never turns a done action into an error', async () => {
    const seen: unknown[] = [];
    const gate = createExecutionGate({
      killSwitchService: createService(),
      monitor: {
        recordResult() {
          throw new Error('monitor broke');
        },
      },
      onRecordError: (e) => seen.push(e),
    });
    await expect(gate.run({ clientId: 'a', action: 'publish' }, () => 'done')).resolves.toBe('done');
    expect(seen).toHaveLength(1);
  });
});
