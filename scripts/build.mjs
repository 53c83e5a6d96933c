#!/usr/bin/env node
// Bundles src/main.ts into one self-contained CommonJS executable, dist/kubectl-satoken.
// CJS because the Node single executable (release) needs it; see ../shared/design/TOOLCHAIN.md.
import { build } from 'esbuild';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { buildCliChunks, withLibraryChunks } from './cli-chunks.mjs';
import { startupShims } from './startup-shims.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'unknown';
  }
}

/** Options shared by every bundle the project builds (the CLI, the completion helper). */
export function bundleOptions(entry, outfile) {
  return {
    entryPoints: [path.join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    // Minifying renames classes; errors are tested with instanceof, but names still show in --debug.
    keepNames: true,
    legalComments: 'none',
    logLevel: 'warning',
    banner: { js: '#!/usr/bin/env node' },
    // yargs calls createRequire(import.meta.url); import.meta is {} in CJS, so inject a shim.
    define: {
      'import.meta.url': 'import_meta.url',
      __SATOKEN_VERSION__: JSON.stringify(pkg.version),
      __SATOKEN_COMMIT__: JSON.stringify(gitCommit()),
    },
    inject: [path.join(root, 'scripts/import-meta-url.cjs')],
    // Stand-ins for string-width and yargs' node:assert: see startup-shims.mjs (issue 8).
    plugins: startupShims(),
    // Optional native helpers of ws/client-node: never present in the bundle; a stub that throws
    // MODULE_NOT_FOUND keeps their try/require fallbacks working.
    alias: {
      bufferutil: path.join(root, 'scripts/missing-module.cjs'),
      'utf-8-validate': path.join(root, 'scripts/missing-module.cjs'),
      encoding: path.join(root, 'scripts/missing-module.cjs'),
      'supports-color': path.join(root, 'scripts/missing-module.cjs'),
    },
  };
}

/**
 * Bundles `entry` in memory, runs it here, and returns what its export `name` gives: how the build
 * asks the cli's own code for data the built files carry as constants.
 */
async function evaluateAtBuild(entry, name) {
  const file = path.join(dist, `.${path.basename(entry, '.ts')}.cjs`);
  const result = await build({ ...bundleOptions(entry, file), write: false, minify: false, banner: {} });
  const mod = { exports: {} };
  new Function('module', 'exports', 'require', '__filename', '__dirname', result.outputFiles[0].text)(
    mod, mod.exports, createRequire(file), file, dist,
  );
  return mod.exports[name]();
}

/**
 * The completion table (subcommands, flags, -o formats, choices) computed from the cli's own command
 * list by src/completion/table.ts, so the completion helper carries the result as data instead of
 * yargs and every command module.
 */
export const completionSpec = () => evaluateAtBuild('src/completion/table.ts', 'cliCompletionSpec');

/**
 * The parser's answers for the launcher's start-up fast path (src/cli/fast-path.ts): help and version
 * texts and `decode TOKEN`'s argv, computed by yargs itself (src/cli/fast-table.ts).
 */
export const fastTable = () => evaluateAtBuild('src/cli/fast-table.ts', 'computeFastTable');

/** esbuild options for a bundle that answers completion: the table baked in as a constant. */
export function withCompletionSpec(options, spec) {
  return { ...options, define: { ...options.define, __SATOKEN_COMPLETION_SPEC__: JSON.stringify(spec) } };
}

/**
 * dist/kubectl_complete-satoken (kubectl's completion helper for this plugin: a few kilobytes, no
 * yargs, no client-node) and its sibling with the cluster look-ups, required only when a pod,
 * ServiceAccount or namespace name is completed.
 */
export async function buildCompletion(spec) {
  const helper = path.join(dist, 'kubectl_complete-satoken');
  await build(withLibraryChunks(withCompletionSpec(bundleOptions('src/completion/main.ts', helper), spec)));
  await chmod(helper, 0o755);
  // client-node and yaml from the cli's files in dist/ (was: a 4.4 MB copy of its own).
  const cluster = path.join(dist, 'kubectl_complete-satoken-cluster.cjs');
  await build({ ...withLibraryChunks(bundleOptions('src/completion/cluster-entry.ts', cluster)), banner: {} });
  return helper;
}

export async function buildAll() {
  await mkdir(dist, { recursive: true });
  // The launcher and its sibling bundles (cli, decode, client-node): see cli-chunks.mjs.
  const out = await buildCliChunks(root, dist, bundleOptions, await fastTable());
  await buildCompletion(await completionSpec());
  // An extensionless file inside a "type": "module" package loads as ESM on Node 22+.
  await writeFile(path.join(dist, 'package.json'), JSON.stringify({ type: 'commonjs' }) + '\n');
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = await buildAll();
  process.stdout.write(`built ${path.relative(process.cwd(), out)}\n`);
}
