// Loads a TypeScript module of this repository from a plain-Node script: esbuild bundles it into
// .tmp/NAME.mjs (dependencies stay external, resolved from node_modules) and the script imports that.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The module at `entry` (relative to the repository root), bundled as .tmp/`name`.mjs. */
export async function importTs(entry, name) {
  const outfile = path.join(root, '.tmp', `${name}.mjs`);
  await build({
    entryPoints: [path.join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    packages: 'external',
    logLevel: 'warning',
  });
  return import(pathToFileURL(outfile).href);
}
