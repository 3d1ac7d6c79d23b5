/**
 * Waits for a condition by polling it, so tests await state instead of
 * sleeping a guessed amount of time. Throws with the last value on timeout.
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const intervalMs = options.intervalMs ?? 10;
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await probe();
      if (last) return last as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError ? ` (last error: ${String(lastError)})` : ` (last value: ${JSON.stringify(last)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what ?? 'a condition'}${detail}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
