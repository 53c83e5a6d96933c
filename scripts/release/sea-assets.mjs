// The files the single executable carries as SEA assets, and their V8 code caches (issue 8, start-up).
//
// The executable's main script is src/completion/sea-main.ts, a few kilobytes; the program is the
// same files as the npm install's dist/ (scripts/cli-chunks.mjs: the launcher, satoken-cli.cjs, the
// decode and client-node chunks; the completion helper and its cluster part), built here into a
// directory of their own, and required from the assets on demand (src/completion/sea-modules.ts).
//
// Code caches: Node's SEA `useCodeCache` caches only what V8 compiles BEFORE the script runs (the
// top level), so every function a command calls was still compiled at each start. Here the release
// runs sea-main.cjs under the very Node binary the executable is made of, over a few commands
// (SATOKEN_SEA_ASSETS: files from the directory, caches written back on exit), each run starting
// from the caches of the one before; the caches then hold every function those commands ran.
// A cache is only valid for the Node binary (and V8 flags) that wrote it: other platforms get none.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import * as buildScript from '../build.mjs';
import { buildCliChunks } from '../cli-chunks.mjs';
import { CODE_CACHE_V8_FLAGS } from './sea.mjs';

const { bundleOptions, withCompletionSpec } = buildScript;

/** Names of the files sea-main.ts requires (it and src/completion/main.ts say the same). */
export const LAUNCHER = 'kubectl-satoken';
export const COMPLETION_HELPER = 'kubectl_complete-satoken';
export const COMPLETION_CLUSTER = 'kubectl_complete-satoken-cluster.cjs';
export const CLIENT_NODE_CHUNK = 'satoken-client-node.cjs';
export const CODE_CACHE_SUFFIX = '.v8cache';

/** The completion's cluster part shares the cli's client-node chunk (one 4 MB copy, not two). */
const clientNodeChunk = {
  name: 'client-node-chunk',
  setup(b) {
    b.onResolve({ filter: /^@kubernetes\/client-node$/ }, () => ({ path: `./${CLIENT_NODE_CHUNK}`, external: true }));
  },
};

/**
 * Builds the assets into `dir` and the main script into `mainFile`.
 * @returns {Promise<void>}
 */
export async function buildSeaFiles({ root, dir, mainFile, spec }) {
  // The fast path's table (scripts/build.mjs), when the build has one.
  const table = buildScript.fastTable ? await buildScript.fastTable() : undefined;
  await buildCliChunks(root, dir, bundleOptions, table);
  const helper = withCompletionSpec(bundleOptions('src/completion/main.ts', path.join(dir, COMPLETION_HELPER)), spec);
  const cluster = bundleOptions('src/completion/cluster-entry.ts', path.join(dir, COMPLETION_CLUSTER));
  await Promise.all([
    build(helper),
    build({ ...cluster, banner: {}, plugins: [...(cluster.plugins ?? []), clientNodeChunk], supported: { 'dynamic-import': false } }),
    build({ ...bundleOptions('src/completion/sea-main.ts', mainFile), banner: {} }),
  ]);
}

/**
 * The assets for `buildSea`: every file of `dir` by its name, with the code caches or without.
 * @returns {Promise<Record<string, string>>}
 */
export async function seaAssets(dir, withCodeCache) {
  const names = (await readdir(dir)).filter((f) => withCodeCache || !f.endsWith(CODE_CACHE_SUFFIX)).sort();
  return Object.fromEntries(names.map((f) => [f, path.join(dir, f)]));
}

/** A JWT of a bound token's shape with a fake signature: what `decode TOKEN` is trained on. */
function sampleToken() {
  const b = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const iss = 'https://kubernetes.default.svc';
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss, sub: 'system:serviceaccount:shop:web', aud: [iss], iat: now, nbf: now, exp: now + 3600,
    'kubernetes.io': { namespace: 'shop', serviceaccount: { name: 'web', uid: 'u-1' }, pod: { name: 'web-0', uid: 'p-1' } },
  };
  return [b({ alg: 'RS256', kid: 'k1' }), b(claims), b({ fake: 'signature' })].join('.');
}

/**
 * The command lines the caches are trained on: the start-up targets (`--help`, `decode TOKEN`,
 * `decode --help`), a few neighbours, one that goes through yargs, and completion.
 */
export function trainingCommands() {
  const token = sampleToken();
  return [
    ['--help'],
    ['--version'],
    ['decode', token],
    ['decode', token, '-o', 'json'],
    ['decode', '--help'],
    ['diagnose', '--help'],
    ['decode', token, '--no-such-flag'], // a usage error: the full parser
    ['__complete', ''],
    ['__complete', 'decode', '-'],
  ];
}

/**
 * Writes `<asset>.v8cache` beside each asset in `dir`: `node` (the executable's own Node binary)
 * runs `mainFile` over `commands`, one after the other.
 */
export function trainCodeCaches({ node, mainFile, dir, commands = trainingCommands() }) {
  const env = { ...process.env, SATOKEN_SEA_ASSETS: dir, NODE_DISABLE_COMPILE_CACHE: '1', KUBECONFIG: path.join(dir, 'no-kubeconfig') };
  // V8 flags are part of a cache's key: none from the caller's environment.
  delete env.NODE_OPTIONS;
  for (const args of commands) {
    try {
      execFileSync(node, [...CODE_CACHE_V8_FLAGS, mainFile, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
    } catch (e) {
      // Usage errors exit 2 on purpose; a crash or a hang is a broken build.
      if (e.status !== 2) throw new Error(`training the code cache on \`${args.join(' ')}\` failed: ${e.stderr ?? e.message}`);
    }
  }
}

/**
 * Runs the built executable with SATOKEN_SEA_REPORT=1; throws unless every file it required used
 * its code cache (a cache V8 rejects means a slow start, silently).
 * @returns {string[]} the report lines
 */
export function checkCodeCaches(exe, args) {
  const env = { PATH: '/nonexistent', SATOKEN_SEA_REPORT: '1' };
  const r = spawnSync(exe, args, { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 60_000 });
  const stderr = r.stderr ?? '';
  if (r.status !== 0) throw new Error(`${exe} ${args.join(' ')} failed (${r.status ?? r.signal ?? r.error?.message}): ${stderr}`);
  const lines = stderr.split('\n').filter((l) => l.startsWith('sea: '));
  const bad = lines.filter((l) => !l.endsWith(' accepted'));
  if (!lines.length || bad.length) throw new Error(`code cache not used by \`${args.join(' ')}\`:\n${stderr}`);
  return lines;
}
