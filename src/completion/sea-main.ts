/**
 * Main script of the single executable that krew installs (scripts/release/): `kubectl-satoken`
 * itself, plus `kubectl-satoken __complete <words…>`, which the archive's `kubectl_complete-satoken`
 * script calls (krew users may have no Node.js, so completion runs on the executable's own).
 *
 * It stays a few kilobytes: the program is the npm install's files, carried as SEA assets with V8
 * code caches and required from there (sea-modules.ts). One script holding everything (4.8 MB)
 * cost 2.7x `node -e 0` for `--help`, most of it V8 pre-parsing code the run never calls.
 *
 * Run by a plain Node with SATOKEN_SEA_ASSETS=<dir>, it reads the files from that directory instead
 * and, on exit, writes their code caches there: how the release trains the caches it embeds.
 * SATOKEN_SEA_REPORT=1 lists on stderr each file required and whether its code cache was used.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as sea from 'node:sea';
import vm from 'node:vm';
import { assetModules, type AssetHost, type AssetModules } from './sea-modules.js';

export const COMPLETE_COMMAND = '__complete';
/** The asset names: the files of dist/ (scripts/cli-chunks.mjs, scripts/build.mjs). */
export const LAUNCHER = 'kubectl-satoken';
export const COMPLETION_HELPER = 'kubectl_complete-satoken';
/** An asset's code cache is the asset `<name>.v8cache`. */
export const CODE_CACHE_SUFFIX = '.v8cache';

const compile = (code: string, filename: string, cachedData: Buffer | undefined) =>
  new vm.Script(code, { filename, cachedData });

/** Inside the executable: node:sea's assets, read without a copy. */
function seaHost(): AssetHost {
  const raw = (key: string): Buffer | undefined => {
    try {
      return Buffer.from(sea.getRawAsset(key) as ArrayBuffer);
    } catch {
      return undefined; // no such asset
    }
  };
  const texts = new Map<string, string | undefined>();
  return {
    source: (name) => {
      if (!texts.has(name)) texts.set(name, raw(name)?.toString('utf8'));
      return texts.get(name);
    },
    codeCache: (name) => raw(name + CODE_CACHE_SUFFIX),
    compile,
    builtin: require,
    dir: path.dirname(process.execPath),
  };
}

/**
 * Where the files are said to be while the release trains their caches. A code cache records the
 * file name it was compiled under, so naming the files by the release's scratch directory would
 * make two builds of one commit differ; V8 accepts a cache under any name (it checks the source).
 */
export const TRAINING_DIR = '/kubectl-satoken';

/** Under a plain Node at release time: the files of `dir`, named as if in TRAINING_DIR. */
function dirHost(dir: string): AssetHost {
  const file = (name: string) => (existsSync(path.join(dir, name)) ? readFileSync(path.join(dir, name)) : undefined);
  return {
    source: (name) => file(name)?.toString('utf8'),
    codeCache: (name) => file(name + CODE_CACHE_SUFFIX),
    compile,
    builtin: require,
    dir: TRAINING_DIR,
  };
}

/**
 * Training: every chunk this run did not require is required too (its top level compiled, e.g.
 * client-node's), then each file's code cache — now holding every function that ran — is written.
 */
function writeCodeCaches(modules: AssetModules, dir: string): void {
  const chunks = readdirSync(dir).filter((f) => f.endsWith('.cjs'));
  for (const name of chunks) {
    try {
      modules.require(name);
    } catch {
      // its top level needs something this run lacks: the cache holds what was compiled before
    }
  }
  for (const f of modules.loaded()) writeFileSync(path.join(dir, f.name + CODE_CACHE_SUFFIX), f.script.createCachedData());
}

function main(): void {
  const trainDir = sea.isSea() ? undefined : process.env.SATOKEN_SEA_ASSETS;
  if (!sea.isSea() && !trainDir) throw new Error('sea-main: not a single executable, and SATOKEN_SEA_ASSETS is not set');
  const modules = assetModules(trainDir ? dirHost(trainDir) : seaHost());
  if (trainDir || process.env.SATOKEN_SEA_REPORT) {
    process.on('exit', () => {
      if (trainDir) writeCodeCaches(modules, trainDir);
      if (process.env.SATOKEN_SEA_REPORT) {
        for (const f of modules.loaded()) process.stderr.write(`sea: ${f.name} code cache ${f.cache}\n`);
      }
    });
  }
  if (process.argv[2] === COMPLETE_COMMAND) {
    // The helper reads its words from argv[2] on, as kubectl passes them to the npm one.
    process.argv.splice(2, 1);
    modules.require(COMPLETION_HELPER);
  } else {
    modules.require(LAUNCHER);
  }
}

main();
