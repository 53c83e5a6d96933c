// The npm install's cli as three CommonJS files in dist/ (issue 8, start-up speed):
//
//   kubectl-satoken          the launcher: src/main.ts (Node version check, compile cache);
//                            a few kilobytes, so compiling it costs nothing
//   satoken-cli.cjs          src/cli/run.ts and everything it imports, except client-node;
//                            required by the launcher once Node's compile cache is on
//   satoken-client-node.cjs  @kubernetes/client-node and its dependencies (~4 MB): required
//                            only by src/kube/connect.ts, on the first cluster call
//
// The chunks' names must not start with `kubectl-`: kubectl takes every such file on PATH for a
// plugin (`kubectl plugin list` warns about the non-executable ones).
//
// Why not one file: Node's compile cache only covers modules loaded after it is enabled, never the
// entry file itself, and V8 has to pre-parse every byte of the file it runs; one 4.8 MB bundle
// cost ~5x `node -e 0` for `--help`. The split is done here, by marking two imports external, so
// the sources keep plain imports and the single executable (scripts/release/, one bundle with
// V8's code cache) is unaffected. No module of ours is in two files: client-node's chunk holds
// only node_modules code, so `instanceof` between our classes still holds.
import { build } from 'esbuild';
import { chmod } from 'node:fs/promises';
import path from 'node:path';

export const CLI_CHUNK = 'satoken-cli.cjs';
export const CLIENT_NODE_CHUNK = 'satoken-client-node.cjs';

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
 * Builds the three files into `dist`; `bundleOptions(entry, outfile)` is scripts/build.mjs's.
 * Returns the launcher's path.
 */
export async function buildCliChunks(root, dist, bundleOptions) {
  const main = path.join(dist, 'kubectl-satoken');
  const withChunks = (entry, outfile, externals) => {
    const o = bundleOptions(entry, outfile);
    // `import()` of a sibling would go through Node's ESM loader (slower to start); require() it.
    return { ...o, plugins: [...(o.plugins ?? []), siblingChunks(externals)], supported: { 'dynamic-import': false } };
  };
  await Promise.all([
    // The launcher keeps bundleOptions' shebang; the chunks are only ever required.
    build(withChunks('src/main.ts', main, {
      './cli/run.js': { file: CLI_CHUNK, importer: path.join(root, 'src/main.ts') },
    })),
    build({
      ...withChunks('src/cli/run.ts', path.join(dist, CLI_CHUNK), { '@kubernetes/client-node': { file: CLIENT_NODE_CHUNK } }),
      banner: {},
    }),
    build({
      ...bundleOptions('src/cli/run.ts', path.join(dist, CLIENT_NODE_CHUNK)),
      entryPoints: undefined,
      stdin: { contents: "module.exports = require('@kubernetes/client-node');\n", resolveDir: root, sourcefile: 'client-node-chunk.cjs', loader: 'js' },
      banner: {},
    }),
  ]);
  await chmod(main, 0o755);
  return main;
}
