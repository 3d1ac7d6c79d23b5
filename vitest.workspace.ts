/**
 * Two test tiers, as in ioredis: `unit` runs on in-memory adapters with no
 * servers; `integration` (`*.int.test.ts`) runs on real PostgreSQL and Redis
 * found by the global setup, each file on a database of its own.
 */
import { fileURLToPath } from 'node:url';
import { defineWorkspace } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

// Tests import the packages' sources, so no build is needed to run them.
const alias = {
  '@rtv/db': src('db'),
  '@rtv/audit': src('audit'),
  '@rtv/policy': src('policy'),
  '@rtv/testing': src('testing'),
  '@rtv/cli': src('cli'),
};

export default defineWorkspace([
  {
    resolve: { alias },
    test: {
      name: 'unit',
      include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
      exclude: ['**/*.int.test.ts', '**/node_modules/**', '**/dist/**'],
    },
  },
  {
    resolve: { alias },
    test: {
      name: 'integration',
      include: ['packages/*/src/**/*.int.test.ts', 'packages/*/test/**/*.int.test.ts'],
      exclude: ['**/node_modules/**', '**/dist/**'],
      globalSetup: ['packages/testing/src/global-setup.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      pool: 'forks',
    },
  },
]);
