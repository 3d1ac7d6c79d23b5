import { defineConfig } from 'tsup';

export default defineConfig({
  // cli.ts keeps its shebang; tsup marks the output executable.
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  clean: true,
  sourcemap: true,
  target: 'node20',
});
