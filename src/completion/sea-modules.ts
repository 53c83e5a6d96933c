/**
 * CommonJS modules for the single executable (sea-main.ts), from its SEA assets (issue 8, start-up).
 *
 * The executable carries the same files as the npm install's dist/ (the launcher, satoken-cli.cjs,
 * client-node's chunk, the completion helper…) as assets, each with a V8 code cache that the
 * release wrote with the same Node binary after running a few commands (scripts/release/
 * sea-assets.mjs). A run compiles only the files it requires, from cache: no 4.8 MB script to
 * pre-parse on every start, and the functions a command runs are already compiled.
 *
 * A file's `require('./x')` (or of `path.join(__dirname, 'x')`) gets the asset `x`; anything else is
 * a built-in module. Nothing here touches process.* or node:sea: sea-main.ts passes them in.
 */
import path from 'node:path';

/** What compiles and runs one file: node:vm's Script, passed in. */
export interface CompiledScript {
  runInThisContext(): unknown;
  /** V8 code cache of every function compiled so far (written at release time). */
  createCachedData(): Buffer;
  /** true when the cache handed in did not fit this Node (then V8 compiled from source). */
  cachedDataRejected?: boolean;
}

export interface AssetHost {
  /** An asset's text, undefined when there is no such asset. */
  source(name: string): string | undefined;
  /** The asset's code cache, undefined when the release wrote none (another platform). */
  codeCache(name: string): Buffer | undefined;
  compile(code: string, filename: string, cachedData: Buffer | undefined): CompiledScript;
  /** require() of the built-in modules (the only one a single executable's main script has). */
  builtin(id: string): unknown;
  /** Where the files would be: the executable's directory (their __filename and __dirname). */
  dir: string;
}

/** How a file's code cache went: what a release checks (sea-main.ts's SATOKEN_SEA_REPORT). */
export type CacheUse = 'accepted' | 'rejected' | 'none';

export interface LoadedFile {
  name: string;
  script: CompiledScript;
  cache: CacheUse;
}

/** The asset a require() of `id` from one of our files means, or undefined (a built-in). */
export function assetName(id: string, dir: string): string | undefined {
  if (id.startsWith('./') && !id.slice(2).includes('/')) return id.slice(2);
  if (path.isAbsolute(id) && path.dirname(id) === dir) return path.basename(id);
  return undefined;
}

/** Node's CommonJS wrapper; a launcher's `#!` line is kept as a comment so line numbers hold. */
export function wrap(source: string): string {
  const body = source.startsWith('#!') ? `//${source.slice(2)}` : source;
  return `(function (exports, require, module, __filename, __dirname) {${body}\n})`;
}

export interface AssetModules {
  /** Runs (once) the asset `name`, returning its module.exports. */
  require(name: string): unknown;
  /** The files compiled so far, in order. */
  loaded(): LoadedFile[];
}

export function assetModules(host: AssetHost): AssetModules {
  const modules = new Map<string, { exports: unknown }>();
  const loaded: LoadedFile[] = [];

  const requireFrom = (id: string): unknown => {
    const name = assetName(id, host.dir);
    if (name !== undefined && host.source(name) !== undefined) return load(name);
    return host.builtin(id);
  };

  function load(name: string): unknown {
    const done = modules.get(name);
    if (done) return done.exports;
    const source = host.source(name);
    if (source === undefined) throw Object.assign(new Error(`Cannot find module './${name}'`), { code: 'MODULE_NOT_FOUND' });
    const filename = path.join(host.dir, name);
    const cachedData = host.codeCache(name);
    const script = host.compile(wrap(source), filename, cachedData);
    const cache: CacheUse = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted';
    loaded.push({ name, script, cache });
    const module = { exports: {} as unknown };
    // Registered before it runs, as Node does: a require cycle gets the partial exports.
    modules.set(name, module);
    const fn = script.runInThisContext() as (...a: unknown[]) => void;
    fn.call(module.exports, module.exports, requireFrom, module, filename, host.dir);
    return module.exports;
  }

  return { require: load, loaded: () => [...loaded] };
}
