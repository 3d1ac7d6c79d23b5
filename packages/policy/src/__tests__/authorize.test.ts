import { describe, expect, it } from 'vitest';
import { createRoleAuthorizer } from '../authorize';
import type { AuthorizationRequest } from '../ports';

const authorize = createRoleAuthorizer({
  actors: {
    alice: { role: 'admin' },
    oscar: { role: 'operator', clients: ['client_a'] },
    vera: { role: 'viewer' },
  },
  resolve: (actor) => (actor.startsWith('dir:') ? { role: 'operator', clients: ['client_dir'] } : undefined),
});

const globalSwitch = { scope: 'global', clientId: null, targetType: 'all', targetValue: '*', platform: null };
const clientA = { scope: 'client', clientId: 'client_a', targetType: 'all', targetValue: '*', platform: null };
const clientB = { ...clientA, clientId: 'client_b' };
const ask = (actor: string, operation: AuthorizationRequest['operation'], sw: AuthorizationRequest['switch']) =>
  authorize({ actor, operation, switch: sw });
const operations = ['create', 'activate', 'deactivate'] as const;

describe('createRoleAuthorizer', () => {
  it('lets an admin do everything', async () => {
    for (const op of operations) {
      for (const sw of [globalSwitch, clientA, clientB]) expect(await ask('alice', op, sw)).toBe(true);
    }
  });

  it("limits an operator to their clients' switches, never a global one", async () => {
    for (const op of operations) {
      expect(await ask('oscar', op, clientA)).toBe(true);
      expect(await ask('oscar', op, clientB)).toMatch(/client client_b/);
      expect(await ask('oscar', op, globalSwitch)).toMatch(/every client/);
    }
  });

  it('lets a viewer write nothing', async () => {
    for (const op of operations) expect(await ask('vera', op, clientA)).toMatch(/viewer/);
  });

  it('lets system:auto_trip create and activate, never deactivate', async () => {
    expect(await ask('system:auto_trip', 'activate', globalSwitch)).toBe(true);
    expect(await ask('system:auto_trip', 'create', clientA)).toBe(true);
    expect(await ask('system:auto_trip', 'deactivate', clientA)).toMatch(/may not deactivate/);
  });

  it('refuses unknown actors and consults the resolver', async () => {
    expect(await ask('mallory', 'activate', clientA)).toMatch(/no role/);
    expect(await ask('dir:olga', 'activate', { ...clientA, clientId: 'client_dir' })).toBe(true);
    expect(await ask('dir:olga', 'activate', clientA)).not.toBe(true);
  });
});
