/**
 * One time budget per write (`writeTimeoutMs`), shared by every step of it:
 * authorization, then the store call with whatever time is left. Store
 * failures become typed errors that name what was being done.
 */
import { withDeadline } from '@rtv/db';
import type { WriteOptions } from '../ports';
import { asStoreError } from '../store-errors';

export function createWriteBudget(writeTimeoutMs: number, assertOpen: () => void) {
  /** Runs a write; `run` gets the time left of its budget, which the store settles within. */
  async function guarded<T>(during: string, run: (left: () => WriteOptions) => Promise<T>): Promise<T> {
    assertOpen();
    const end = performance.now() + writeTimeoutMs;
    const left = (): WriteOptions => ({ timeoutMs: Math.max(1, Math.floor(end - performance.now())) });
    try {
      return await run(left);
    } catch (error) {
      throw asStoreError(error, during);
    }
  }

  /** Authorization reads the switch and asks the authorizer: bounded by the same budget. */
  const authorized = (left: () => WriteOptions, check: (budget: WriteOptions) => Promise<void>) => {
    const budget = left();
    return withDeadline(check(budget), budget.timeoutMs ?? writeTimeoutMs, 'authorizing the write');
  };

  return { guarded, authorized };
}
