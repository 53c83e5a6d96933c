#!/usr/bin/env node
// `npm run cluster -- --kubeconfig PATH …`: bundles the emulator (tests/apiserver) with esbuild
// into .tmp/ (dependencies stay external) and runs it. See tests/apiserver/README.md.
import { build } from 'esbuild';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outfile = path.join(root, '.tmp', 'apiserver-cli.mjs');
await mkdir(path.dirname(outfile), { recursive: true });
await build({
  entryPoints: [path.join(root, 'tests/apiserver/cli.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  packages: 'external',
  logLevel: 'warning',
});
const { main } = await import(pathToFileURL(outfile).href);
await main(process.argv.slice(2));
