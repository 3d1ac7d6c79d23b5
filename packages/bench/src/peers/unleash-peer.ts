/**
 * unleash-client 6, evaluating locally: started offline from a bootstrap
 * (no server is reachable: the URL points at a closed port and
 * `refreshInterval: 0` turns fetching off), metrics disabled, an in-memory
 * storage provider so no backup file is written.
 */
import { once } from 'node:events';
import { InMemStorageProvider, Unleash } from 'unleash-client';
import { type FlagCheckContext, candidateFlags } from './switch-flags';

export interface FlagPeer {
  name: string;
  /** The same question as `isTripped`: is any candidate flag on, in priority order? */
  isTripped(ctx: FlagCheckContext): Promise<boolean>;
  close(): Promise<void>;
}

export async function createUnleashPeer(states: Map<string, boolean>): Promise<FlagPeer> {
  const client = new Unleash({
    appName: 'rtv-bench',
    url: 'http://127.0.0.1:9/api/',
    refreshInterval: 0,
    disableMetrics: true,
    skipInstanceCountWarning: true,
    storageProvider: new InMemStorageProvider(),
    bootstrap: {
      data: [...states].map(([name, enabled]) => ({
        name,
        enabled,
        type: 'kill-switch',
        project: 'default',
        stale: false,
        strategies: [{ name: 'default', parameters: {}, constraints: [] }],
        variants: [],
      })),
    },
  });
  client.on('error', () => {
    // Offline on purpose: any fetch error is expected and ignored.
  });
  const ready = once(client, 'ready');
  client.start();
  await ready;
  for (const [name, enabled] of states) {
    if (client.isEnabled(name) !== enabled) throw new Error(`unleash bootstrap is wrong for ${name}`);
  }
  return {
    name: 'unleash-client (offline bootstrap)',
    // Async like the others: a caller's wrapper awaits whatever it uses.
    async isTripped(ctx) {
      const names = candidateFlags(ctx);
      for (let i = 0; i < names.length; i++) if (client.isEnabled(names[i] as string)) return true;
      return false;
    },
    async close() {
      client.destroy();
    },
  };
}
