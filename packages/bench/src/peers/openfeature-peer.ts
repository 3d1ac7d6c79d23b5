/**
 * @openfeature/server-sdk 1.x with its `InMemoryProvider`: each candidate
 * flag is one awaited `getBooleanValue`, the SDK's public evaluation call
 * (hooks, context merge and evaluation details included).
 */
import { InMemoryProvider, OpenFeature } from '@openfeature/server-sdk';
import { candidateFlags } from './switch-flags';
import type { FlagPeer } from './unleash-peer';

export async function createOpenFeaturePeer(states: Map<string, boolean>): Promise<FlagPeer> {
  const flags: ConstructorParameters<typeof InMemoryProvider>[0] = {};
  for (const [name, enabled] of states) {
    flags[name] = { variants: { on: true, off: false }, defaultVariant: enabled ? 'on' : 'off', disabled: false };
  }
  const domain = 'rtv-bench';
  await OpenFeature.setProviderAndWait(domain, new InMemoryProvider(flags));
  const client = OpenFeature.getClient(domain);
  for (const [name, enabled] of states) {
    if ((await client.getBooleanValue(name, !enabled)) !== enabled) {
      throw new Error(`OpenFeature configuration is wrong for ${name}`);
    }
  }
  return {
    name: '@openfeature/server-sdk (InMemoryProvider)',
    async isTripped(ctx) {
      const names = candidateFlags(ctx);
      for (let i = 0; i < names.length; i++) if (await client.getBooleanValue(names[i] as string, false)) return true;
      return false;
    },
    async close() {
      await OpenFeature.clearProviders();
    },
  };
}
