/**
 * The registry write for an applied version runs ACK_DELAY_MS after the swap, not inside it,
 * and a burst of versions applied meanwhile makes one write carrying the latest: the receipts still see
 * every instance's newest version promptly.
 */
import { silentLogger } from '@rtv/audit';
import { describe, expect, it } from 'vitest';
import { createMemoryInstanceRegistry } from '../../adapters/memory/memory-instance-registry';
import { createSnapshot } from '../../check/snapshot';
import { type InstanceRecord, noopMetrics } from '../../ports';
import { createTestClock } from '../../testing/test-clock';
import { createCommitTimes } from '../commit-times';
import { ACK_DELAY_MS, createInstanceMember } from '../instance-member';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const ackDelay = () => new Promise<void>((resolve) => setTimeout(resolve, ACK_DELAY_MS + 5));

function memberOverRecordedRegistry() {
  const clock = createTestClock();
  const inner = createMemoryInstanceRegistry({}, clock);
  const puts: InstanceRecord[] = [];
  const registry = {
    ...inner,
    put(record: InstanceRecord) {
      puts.push(record);
      return inner.put(record);
    },
  };
  const member = createInstanceMember({
    registry,
    clock,
    metrics: noopMetrics,
    logger: silentLogger,
    commitTimes: createCommitTimes(),
    serviceName: 'test',
    heartbeatIntervalMs: 60_000,
    instanceTtlMs: 180_000,
    failOpen: false,
    operationTimeoutMs: 1_000,
  });
  member.start({ stale: false, confirmedAt: clock.now(), postgres: { ok: true }, redis: undefined } as never);
  return { member, puts };
}

describe('the acknowledgement of an applied version', () => {
  it('is written after the swap returns, once for a burst, with the latest version', async () => {
    const { member, puts } = memberOverRecordedRegistry();
    await ackDelay();
    const atStart = puts.length;
    for (const version of [1, 2, 3]) member.applied(createSnapshot(version, [], 'db_1'));
    expect(puts.length).toBe(atStart);
    await nextTurn();
    await nextTurn();
    expect(puts.slice(atStart).map((r) => r.version)).toEqual([3]);
    await member.stop();
  });

  it('waits ACK_DELAY_MS after a later apply (every instance applies a stop at once), then writes it', async () => {
    const { member, puts } = memberOverRecordedRegistry();
    member.applied(createSnapshot(1, [], 'db_1'));
    await ackDelay();
    const before = puts.length;
    member.applied(createSnapshot(2, [], 'db_1'));
    await nextTurn();
    expect(puts.length).toBe(before);
    await ackDelay();
    for (let i = 0; i < 5; i++) await nextTurn();
    expect(puts.at(-1)?.version).toBe(2);
    await member.stop();
  });

  it('writes nothing after stop', async () => {
    const { member, puts } = memberOverRecordedRegistry();
    member.applied(createSnapshot(1, [], 'db_1'));
    await ackDelay();
    member.applied(createSnapshot(2, [], 'db_1'));
    const before = puts.length;
    await member.stop();
    await ackDelay();
    expect(puts.length).toBe(before);
  });
});
