import { defineConfig } from 'tsup';
import { patchedPostgresPlugin } from './build/patched-postgres-plugin';

export default defineConfig({
  // `@rtv/db` (postgres.js) and `@rtv/db/pglite` (the embedded database) are separate entries, so a service on
  // PostgreSQL never loads PGlite, an optional peer dependency.
  entry: ['src/index.ts', 'src/pglite.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  // import.meta.url finds the shipped drizzle/ folder; the CJS build needs tsup's shim for it.
  shims: true,
  // The patched postgres.js (patches/postgres@3.4.9.patch) is bundled so consumers installing from npm get the fix
  // too; the plugin fails the build if the bundled copy lacks it.
  noExternal: [/^postgres$/],
  esbuildPlugins: [patchedPostgresPlugin()],
  clean: true,
  sourcemap: true,
  target: 'node20',
});
