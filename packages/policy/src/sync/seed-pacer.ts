/**
 * Paces writes of the whole snapshot into Redis. Notices carry every change,
 * so the full copy only serves cold instances and readers that missed a
 * version; writing it after each publication of a burst (233 KB at 1,000
 * active switches) cost a writer most of its CPU. At most one write per
 * interval, and the last state of a burst is always written. The first
 * write waits `firstDelayMs`: right after a change every instance is busy
 * applying its notice, and building this copy is the writer's largest task
 * then (a reader missing a version gives its notice 50 ms before it reads).
 */
export interface SeedPacer {
  /** The current snapshot should reach Redis: after `firstDelayMs`, or at the end of the interval. */
  request(): void;
  /** Writes what is waiting now, and resolves once no write is under way. */
  flush(): Promise<void>;
}

export function createSeedPacer(seed: () => Promise<void>, minIntervalMs: number, firstDelayMs = 0): SeedPacer {
  let lastAt = Number.NEGATIVE_INFINITY;
  let wanted = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;

  function writeNow(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (running) return running;
    wanted = false;
    lastAt = performance.now();
    running = seed().finally(() => {
      running = undefined;
      // Asked again while writing: that state goes out at the next slot.
      if (wanted) later();
    });
    return running;
  }

  function later(): void {
    if (timer) return;
    const wait = Math.max(firstDelayMs, lastAt + minIntervalMs - performance.now());
    // Real time: this paces a transport, and must not wait on a test clock nobody moves.
    timer = setTimeout(() => void writeNow(), wait);
    timer.unref?.();
  }

  return {
    request() {
      wanted = true;
      if (running) return;
      later();
    },
    async flush() {
      while (running) await running;
      if (wanted) await writeNow();
    },
  };
}
