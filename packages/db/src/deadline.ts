/**
 * Bounds an operation in time whatever the driver's own timeouts are: a hung
 * server must never hold a caller. The operation gets an AbortSignal that
 * fires at the deadline, so it can release what it holds.
 */
export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} did not answer within ${ms} ms`);
  }
}

/**
 * Resolves or rejects as `operation` does, or rejects with `DeadlineError`
 * after `ms`; the signal handed to `operation` aborts then. The timer never
 * keeps the process alive.
 */
export function withDeadline<T>(
  operation: Promise<T> | ((signal: AbortSignal) => Promise<T>),
  ms: number,
  what: string,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new DeadlineError(what, ms);
      controller.abort(error);
      reject(error);
    }, ms);
    timer.unref();
  });
  const running = typeof operation === 'function' ? operation(controller.signal) : operation;
  // The loser of the race may still reject later: that must not be an unhandled rejection.
  running.catch(() => {});
  return Promise.race([running, deadline]).finally(() => clearTimeout(timer));
}
