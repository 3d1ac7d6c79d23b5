/**
 * Three test tiers, as in ioredis: `unit` runs on in-memory adapters with no
 * servers; `embedded` (`*.pglite.test.ts`) runs on PGlite, whose cold start
 * takes seconds, so it gets timeouts of its own; `integration`
 * (`*.int.test.ts`) runs on real PostgreSQL and Redis found by the global
 * setup, each file on a database of its own.
 */
import { fileURLToPath } from 'node:url';
import { defineWorkspace } from 'vitest/config';

const src = (pkg: string, entry = 'index') =>
  fileURLToPath(new URL(`./packages/${pkg}/src/${entry}.ts`, import.meta.url));

// Tests import the packages' sources, so no build is needed to run them.
// Sub-path entries come first: an alias also matches `<key>/...`, and the first match wins.
const alias = {
  '@rtv/db/pglite': src('db', 'pglite'),
  '@rtv/db': src('db'),
  '@rtv/audit': src('audit'),
  '@rtv/policy': src('policy'),
  '@rtv/http': src('http'),
  '@rtv/testing': src('testing'),
  '@rtv/cli': src('cli'),
  '@rtv/openfeature': src('openfeature'),
  '@rtv/admin': src('admin'),
};

export default defineWorkspace([
  {
    resolve: { alias },
    test: {
      name: 'unit',
      include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
      exclude: ['**/*.int.test.ts', '**/*.pglite.test.ts', '**/node_modules/**', '**/dist/**'],
    },
  },
  {
    resolve: { alias },
    test: {
      name: 'embedded',
      include: ['packages/*/src/**/*.pglite.test.ts', 'packages/*/test/**/*.pglite.test.ts'],
      exclude: ['**/node_modules/**', '**/dist/**'],
      // A cold PGlite (WebAssembly compile, initdb, migrations) takes seconds, more on a busy machine.
      testTimeout: 60_000,
      hookTimeout: 60_000,
      pool: 'forks',
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
