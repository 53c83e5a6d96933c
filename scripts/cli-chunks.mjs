// The npm install's cli as CommonJS files in dist/ (issue 8, start-up speed):
//
//   kubectl-satoken          the launcher: src/main.ts (Node version check, the fast path's table,
//                            the code-cache loader); small: the one file V8 compiles from source
//                            at every start
//   satoken-cli.cjs          src/cli/run.ts and everything it imports, except the libraries below
//   satoken-decode.cjs       src/cli/decode-fast.ts: `decode TOKEN` without yargs or the other
//                            commands (src/cli/fast-path.ts); required instead of satoken-cli.cjs
//   satoken-texts.cjs        the help and version texts yargs printed at build time, for the
//                            launcher's fast path (most of the table's size, needed only by help)
//   satoken-{yaml,jose,ws}.cjs  libraries that only some runs need (-o yaml and kubeconfigs,
//                            signature checks, exec), required on first use by either chunk:
//                            bundled inside them, they were two thirds of what decode TOKEN read
//   satoken-client-node.cjs  @kubernetes/client-node and its dependencies (~4 MB): required
//                            only by src/kube/connect.ts, on the first cluster call
//
// The chunks' names must not start with `kubectl-`: kubectl takes every such file on PATH for a
// plugin (`kubectl plugin list` warns about the non-executable ones).
//
// The launcher requires the other files with V8 code caches that earlier runs left
// (src/disk-chunks.ts); the single executable carries the same files as assets
// (scripts/release/sea-assets.mjs). Why not one file: no cache covers the entry file itself, and
// V8 has to pre-parse every byte of the file it runs; one 4.8 MB bundle cost ~5x `node -e 0` for
// `--help`. The libraries are split off here, by marking their imports external, so the sources
// keep plain imports. The library chunks hold only node_modules code, so `instanceof`
// between our classes still holds. Our modules that decode needs are in both satoken-cli.cjs and
// satoken-decode.cjs, but a run loads one of the two, never both.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const CLI_CHUNK = 'satoken-cli.cjs';
export const CLIENT_NODE_CHUNK = 'satoken-client-node.cjs';
export const DECODE_CHUNK = 'satoken-decode.cjs';
/** The fast path's help and version texts (src/cli/fast-path.ts), required only to print one. */
export const TEXTS_FILE = 'satoken-texts.cjs';
/** Package → its own file, for client-node and the libraries few runs need. */
export const LIBRARY_CHUNKS = {
  '@kubernetes/client-node': CLIENT_NODE_CHUNK,
  yaml: 'satoken-yaml.cjs',
  jose: 'satoken-jose.cjs',
  ws: 'satoken-ws.cjs',
};

/** esbuild options for the launcher: the fast path's table without its texts (src/cli/fast-path.ts). */
export function withFastTable(options, table) {
  if (!table) return options;
  const launcherTable = { textLines: Object.keys(table.texts), decode: table.decode };
  return { ...options, define: { ...options.define, __SATOKEN_FAST_TABLE__: JSON.stringify(launcherTable) } };
}

/**
 * esbuild options whose imports of the LIBRARY_CHUNKS packages become `require('./<their file>')`:
 * for the other bundles in dist/ (the completion helper and its cluster part), so that dist/ holds
 * one copy of each library.
 */
export function withLibraryChunks(options) {
  const libraries = Object.fromEntries(Object.entries(LIBRARY_CHUNKS).map(([pkg, file]) => [pkg, { file }]));
  // `import()` of a sibling would go through Node's ESM loader (slower to start); require() it.
  return { ...options, plugins: [...(options.plugins ?? []), siblingChunks(libraries)], supported: { 'dynamic-import': false } };
}

/** esbuild plugin: these bare imports become `require('./<sibling file>')`. */
function siblingChunks(map) {
  return {
    name: 'sibling-chunks',
    setup(b) {
      for (const [specifier, { file, importer }] of Object.entries(map)) {
        const filter = new RegExp(`^${specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
        b.onResolve({ filter }, (args) => {
          if (importer && path.resolve(args.importer) !== importer) return undefined;
          return { path: `./${file}`, external: true };
        });
      }
    },
  };
}

/**
 * Builds the files into `dist`; `bundleOptions(entry, outfile)` is scripts/build.mjs's, and
 * `fastTable` the launcher's pre-computed parser answers (src/cli/fast-table.ts). Returns the
 * launcher's path.
 */
export async function buildCliChunks(root, dist, bundleOptions, fastTable) {
  const main = path.join(dist, 'kubectl-satoken');
  const chunkFiles = [CLI_CHUNK, DECODE_CHUNK, TEXTS_FILE, ...Object.values(LIBRARY_CHUNKS)];
  await Promise.all([
    // Both chunks require the libraries from their own files.
    ...[['src/cli/run.ts', CLI_CHUNK], ['src/cli/decode-fast.ts', DECODE_CHUNK]].map(([entry, file]) =>
      build({ ...withLibraryChunks(bundleOptions(entry, path.join(dist, file))), banner: {} }),
    ),
    ...Object.entries(LIBRARY_CHUNKS).map(([pkg, file]) =>
      build({
        ...bundleOptions('src/cli/run.ts', path.join(dist, file)),
        entryPoints: undefined,
        stdin: { contents: `module.exports = require(${JSON.stringify(pkg)});\n`, resolveDir: root, sourcefile: `${file}.js`, loader: 'js' },
        banner: {},
      }),
    ),
  ]);
  await writeFile(path.join(dist, TEXTS_FILE), `module.exports = ${JSON.stringify(fastTable?.texts ?? {})};\n`);
  // The launcher last: it carries each chunk's content id, which names the chunk's code cache
  // (src/disk-chunks.ts), so that a cache is never used with another build of its file.
  const ids = {};
  for (const file of chunkFiles) ids[file] = createHash('sha256').update(await readFile(path.join(dist, file))).digest('hex').slice(0, 16);
  // It requires the chunks by these names (src/main.ts), so it bundles none of their code.
  const launcher = withFastTable(bundleOptions('src/main.ts', main), fastTable);
  // The launcher keeps bundleOptions' shebang; the chunks are only ever required.
  await build({ ...launcher, define: { ...launcher.define, __SATOKEN_CHUNKS__: JSON.stringify({ cli: CLI_CHUNK, decode: DECODE_CHUNK, texts: TEXTS_FILE, ids }) } });
  await chmod(main, 0o755);
  return main;
}
