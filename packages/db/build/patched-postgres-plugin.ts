/**
 * esbuild plugin for @rtv/db's build: the bundled postgres.js must be the
 * patched copy (patches/postgres@3.4.9.patch, upstream issues #1154/#1208),
 * or a consumer could crash on the bug the patch fixes. It fails the build
 * when the guard is missing, and marks the output with a legal comment
 * (esbuild keeps those; it drops ordinary ones) that CI looks for.
 */
import { readFile } from 'node:fs/promises';
import type { Options } from 'tsup';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

const GUARD = 'postgres.js issues #1154';
const MARKER =
  '/*! @rtv/db bundles postgres.js (Unlicense) patched for postgres.js issues #1154/#1208: a socket closed while a write was buffered settles the queries instead of throwing from setImmediate. See THIRD-PARTY-NOTICES.md. */';

export function patchedPostgresPlugin(): EsbuildPlugin {
  return {
    name: 'rtv-patched-postgres',
    setup(build) {
      let checked = false;
      build.onLoad({ filter: /[\\/]node_modules[\\/]postgres[\\/]src[\\/]connection\.js$/ }, async (args) => {
        const contents = await readFile(args.path, 'utf8');
        if (!contents.includes(GUARD)) {
          throw new Error(
            `${args.path} lacks the #1154 guard: run \`pnpm install\` so patches/postgres@3.4.9.patch is applied, or update the patch for this postgres version`,
          );
        }
        checked = true;
        return { contents: `${MARKER}\n${contents}`, loader: 'js' };
      });
      build.onEnd((result) => {
        if (result.errors.length === 0 && !checked) {
          throw new Error(
            'postgres.js was not bundled: keep `noExternal: [/^postgres$/]` in packages/db/tsup.config.ts',
          );
        }
      });
    },
  };
}
