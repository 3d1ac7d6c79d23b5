import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The library entry (runCli, ExitCode) for import and require.
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    target: 'node20',
  },
  {
    // The rtv-ks binary: ESM only (top-level await); it keeps its shebang and tsup marks it executable.
    entry: ['src/cli.ts'],
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
  },
]);
