/**
 * The state version this CLI's own service instance loaded: the number an
 * operator compares with each instance's `/healthz` (snapshot.version) to
 * see that a change reached the fleet.
 */
import type { KillSwitchService } from '@rtv/policy';

/** -1 when the first load failed or did not finish within `timeoutMs` (the state is then unknown here). */
export async function loadedStateVersion(service: KillSwitchService, timeoutMs = 3000): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    timer.unref();
  });
  try {
    // ready() rejects when no store answered: the version is unknown here, which is what -1 says.
    const loaded = service.ready().then(
      () => 'ready' as const,
      () => 'failed' as const,
    );
    const outcome = await Promise.race([loaded, timedOut]);
    return outcome === 'ready' ? service.checkStats().snapshotVersion : -1;
  } finally {
    clearTimeout(timer);
  }
}
