/** The receipt's arithmetic without servers: who confirmed, lags from the commit, percentiles, lagging and lost. */
import { describe, expect, it } from 'vitest';
import type { InstanceRecord } from '../../ports';
import { buildReceipt, describeReceipt, percentile } from '../receipt';

const record = (id: string, over: Partial<InstanceRecord> = {}): InstanceRecord => ({
  instanceId: id,
  serviceName: 'worker',
  host: 'h',
  pid: 1,
  libraryVersion: '0.1.0',
  startedAt: 0,
  databaseId: 'db',
  version: 5,
  appliedAt: 1010,
  lagMs: null,
  snapshotAgeMs: 0,
  failMode: 'closed',
  health: 'ok',
  heartbeatAt: 1000,
  ttlMs: 500,
  ...over,
});

describe('buildReceipt', () => {
  it('counts confirmations with lags from the commit, and names the lagging and the lost, lost first', () => {
    const expected = new Map([
      ['a', record('a')],
      ['b', record('b')],
      ['c', record('c', { version: 4, heartbeatAt: 1400 })],
      ['d', record('d', { version: 4, heartbeatAt: 100 })],
    ]);
    const appliedAt = new Map([
      ['a', 1010],
      ['b', 1042],
    ]);
    const receipt = buildReceipt(
      { version: 5, committedAt: 1000, startedAt: 1001, expected, appliedAt, answered: true },
      1500,
    );
    expect(receipt).toMatchObject({ expected: 4, applied: 2, complete: false, maxMs: 42, timeToHaltMs: null });
    expect(receipt.unconfirmed.map((u) => [u.instanceId, u.state])).toEqual([
      ['d', 'lost'],
      ['c', 'lagging'],
    ]);
    expect(describeReceipt(receipt, 'stopped')).toMatch(
      /^stopped on 2\/4 instances, p99 42 ms.*NOT confirmed: d .*lost/,
    );
  });

  it('is complete with a time-to-halt when every expected instance applied', () => {
    const expected = new Map([['a', record('a')]]);
    const receipt = buildReceipt(
      { version: 5, committedAt: 1000, startedAt: 1000, expected, appliedAt: new Map([['a', 1012]]), answered: true },
      1020,
    );
    expect(receipt).toMatchObject({ complete: true, applied: 1, expected: 1, timeToHaltMs: 12, p50Ms: 12 });
    expect(describeReceipt(receipt, 'stopped')).toBe('stopped on 1/1 instance, p99 12 ms, max 12 ms');
  });

  it('is not complete when the registry never answered, even with nobody expected', () => {
    const receipt = buildReceipt(
      { version: 5, committedAt: 1000, startedAt: 1000, expected: new Map(), appliedAt: new Map(), answered: false },
      1020,
    );
    expect(receipt).toMatchObject({ complete: false, registryAnswered: false, expected: 0 });
    expect(describeReceipt(receipt)).toMatch(/registry did not answer/);
  });
});

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });
});
