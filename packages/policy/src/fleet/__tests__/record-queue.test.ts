import type { AuditEventInput } from '@rtv/audit';
import { describe, expect, it } from 'vitest';
import { createRecordQueue } from '../record-queue';

const event = (n: number): AuditEventInput => ({ type: 'KILL_SWITCH_RECEIPT', actor: 'system:fleet', metadata: { n } });

describe('record queue', () => {
  it('appends a lone record at once, and the records that arrive meanwhile together in the next append', async () => {
    const appended: number[][] = [];
    let open: () => void = () => {};
    let gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const queue = createRecordQueue(async (events) => {
      appended.push(events.map((e) => (e.metadata as { n: number }).n));
      await gate;
    });
    const first = queue.append(event(1));
    const rest = [2, 3, 4].map((n) => queue.append(event(n)));
    expect(appended).toEqual([[1]]);
    gate = Promise.resolve();
    open();
    await Promise.all([first, ...rest]);
    expect(appended).toEqual([[1], [2, 3, 4]]);
  });

  it("rejects a failed append's records only, and goes on with the next", async () => {
    let calls = 0;
    const queue = createRecordQueue(async () => {
      calls++;
      if (calls === 1) throw new Error('PostgreSQL did not answer');
    });
    const failed = queue.append(event(1)).catch((e: Error) => e.message);
    const later = queue.append(event(2));
    expect(await failed).toBe('PostgreSQL did not answer');
    await expect(later).resolves.toBeUndefined();
  });
});
