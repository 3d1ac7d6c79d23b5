import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  // nanoid 5 is ESM-only: bundled, so that require() of the CommonJS build works.
  noExternal: ['nanoid'],
  clean: true,
  sourcemap: true,
  target: 'node20',
});
