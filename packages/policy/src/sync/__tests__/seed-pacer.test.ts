/** The whole snapshot reaches Redis at most once per interval in a burst, and the burst's last state always does. */
import { describe, expect, it } from 'vitest';
import { createSeedPacer } from '../seed-pacer';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function pacedWriter(intervalMs: number, firstDelayMs = 0) {
  let state = 0;
  const written: number[] = [];
  const pacer = createSeedPacer(
    async () => {
      const seen = state;
      await sleep(2);
      written.push(seen);
    },
    intervalMs,
    firstDelayMs,
  );
  return {
    pacer,
    written,
    change() {
      state += 1;
      pacer.request();
    },
    get state() {
      return state;
    },
  };
}

describe('seed pacer', () => {
  it('writes a lone change at once without a first delay', async () => {
    const w = pacedWriter(100);
    w.change();
    await sleep(20);
    expect(w.written).toEqual([1]);
  });

  it('writes a lone change after the first delay, not before', async () => {
    const w = pacedWriter(100, 60);
    w.change();
    await sleep(30);
    expect(w.written).toEqual([]);
    await sleep(60);
    expect(w.written).toEqual([1]);
  });

  it('writes a burst of 20 changes a few times, the last state last', async () => {
    const w = pacedWriter(60);
    for (let i = 0; i < 20; i++) {
      w.change();
      await sleep(5);
    }
    await sleep(150);
    expect(w.written.length).toBeLessThanOrEqual(4);
    expect(w.written.length).toBeGreaterThanOrEqual(2);
    expect(w.written.at(-1)).toBe(w.state);
  });

  it('flush writes what waits now', async () => {
    const w = pacedWriter(10_000);
    w.change();
    w.change();
    await w.pacer.flush();
    expect(w.written.at(-1)).toBe(2);
  });
});
