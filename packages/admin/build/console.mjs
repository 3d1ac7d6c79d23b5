/**
 * Builds the operator console into dist/console at package build time, so
 * users need no build step: one minified script and one stylesheet with
 * content hashes in their names (cached for a year), and index.html pointing
 * at them (revalidated on each load). `node build/console.mjs [outDir]`.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Builds the console into outDir (replaced); returns the files written. */
export async function buildConsole(outDir = join(packageDir, 'dist', 'console')) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    entryPoints: { app: join(packageDir, 'console', 'main.ts'), style: join(packageDir, 'console', 'style.css') },
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020', 'chrome90', 'firefox90', 'safari14'],
    entryNames: '[name]-[hash]',
    outdir: outDir,
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => basename(file));
  const script = outputs.find((name) => name.startsWith('app-') && name.endsWith('.js'));
  const style = outputs.find((name) => name.startsWith('style-') && name.endsWith('.css'));
  if (!script || !style) throw new Error(`console build produced ${outputs.join(', ')}`);
  const html = readFileSync(join(packageDir, 'console', 'index.html'), 'utf8')
    .replace('%SCRIPT%', `/console/${script}`)
    .replace('%STYLE%', `/console/${style}`);
  writeFileSync(join(outDir, 'index.html'), html);
  return ['index.html', script, style];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = await buildConsole(process.argv[2]);
  console.log(`console built: ${files.join(', ')}`);
}
