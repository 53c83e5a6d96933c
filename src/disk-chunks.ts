/**
 * The npm install's chunks (dist/satoken-*.cjs) required with V8 code caches taken AFTER a run
 * (issue 8, start-up). Node's own compile cache (module.enableCompileCache) stores only what V8
 * compiles before a file runs — its top level — so every function a command calls was compiled
 * again at each start: 3-4 ms of `decode TOKEN`'s ~50 here. Here, as the single executable does
 * with its assets (completion/sea-modules.ts, the same loader), a file is compiled with the cache
 * the previous run left, and a file that had none (or one V8 refused) leaves one on exit.
 *
 * A cache belongs to one build of one file: its name carries the file's content id, which the build
 * computed (scripts/cli-chunks.mjs), and its modification time; V8 itself refuses a cache of
 * another Node or V8 flags.
 * Caches live in a private directory (compile-cache.ts); any failure means running uncached.
 * No process.*: main.ts passes in what it needs.
 */
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { assetModules, type AssetModules } from './completion/sea-modules.js';

export interface DiskChunksHost {
  /** dist/: the launcher's directory. */
  dir: string;
  /** The private cache directory, undefined when there is none (then nothing is cached). */
  cacheDir: string | undefined;
  /** File name → content id, from the build. A file without one is never cached. */
  ids: Record<string, string>;
  /** `${process.versions.node}-${process.arch}`: a cache per Node, so two Nodes do not take turns. */
  runtime: string;
  /** The launcher's require, for built-in modules. */
  builtin: (id: string) => unknown;
}

export const CACHE_SUFFIX = '.v8cache';

/**
 * `satoken-cli.cjs.<install>.<version>.<node>-<arch>.v8cache`. `install` names the dist/ directory: two
 * installs of different builds (a global one, a checkout) keep their caches apart instead of each
 * deleting the other's (removeOtherCaches) at every run.
 */
export function cacheFileName(name: string, install: string, version: string, runtime: string): string {
  return `${name}.${install}.${version}.${runtime}${CACHE_SUFFIX}`;
}

/** A short name for a directory: FNV-1a of its path, in hex. */
export function installKey(dir: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < dir.length; i++) h = Math.imul(h ^ dir.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

export interface DiskChunks {
  require(name: string): unknown;
  /** Writes the caches this run lacked; call once, at exit. Never throws. */
  save(): void;
  /** The files required, and whether each one's cache was used. */
  report(): string[];
}

export function diskChunks(host: DiskChunksHost): DiskChunks {
  const texts = new Map<string, string | undefined>();
  const install = installKey(host.dir);
  const versions = new Map<string, string | undefined>();
  /**
   * The build's id for the file, and its modification time: a file edited after the build (a
   * patch of the same length — V8 itself checks only the length) gets a cache of its own.
   */
  const versionOf = (name: string) => {
    if (!versions.has(name)) {
      const id = host.ids[name];
      let mtime: string | undefined;
      try {
        mtime = Math.trunc(statSync(path.join(host.dir, name)).mtimeMs).toString(36);
      } catch {
        mtime = undefined;
      }
      versions.set(name, id && mtime ? `${id}-${mtime}` : undefined);
    }
    return versions.get(name);
  };
  const cachePath = (name: string) => {
    const version = versionOf(name);
    return version && host.cacheDir ? path.join(host.cacheDir, cacheFileName(name, install, version, host.runtime)) : undefined;
  };
  const read = (file: string | undefined) => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch {
      return undefined;
    }
  };
  const modules: AssetModules = assetModules({
    source: (name) => {
      // Only the build's own files (the ids): a require of anything else is Node's business.
      if (!(name in host.ids)) return undefined;
      if (!texts.has(name)) texts.set(name, read(path.join(host.dir, name))?.toString('utf8'));
      return texts.get(name);
    },
    codeCache: (name) => read(cachePath(name)),
    compile: (code, filename, cachedData) => new vm.Script(code, { filename, cachedData }),
    builtin: host.builtin,
    dir: host.dir,
  });
  return {
    require: (name) => modules.require(name),
    save() {
      for (const f of modules.loaded()) {
        const file = cachePath(f.name);
        if (file === undefined || f.cache === 'accepted') continue;
        try {
          const tmp = `${file}.${Math.random().toString(36).slice(2)}.tmp`;
          writeFileSync(tmp, f.script.createCachedData(), { mode: 0o600 });
          renameSync(tmp, file); // atomic: a concurrent run reads the old cache or the new one
          removeOtherCaches(path.dirname(file), `${f.name}.${install}.`, versionOf(f.name)!);
        } catch {
          // full disk, read-only cache: the next run compiles again
        }
      }
    },
    report: () => modules.loaded().map((f) => `${f.name} code cache ${f.cache}`),
  };
}

/**
 * The caches earlier builds of this file in this install left (any Node): dead weight once a new
 * build runs there. `prefix` is `<name>.<install>.`.
 */
function removeOtherCaches(dir: string, prefix: string, version: string): void {
  for (const f of readdirSync(dir)) {
    if (f.startsWith(prefix) && !f.startsWith(`${prefix}${version}.`) && f.endsWith(CACHE_SUFFIX)) rmSync(path.join(dir, f), { force: true });
  }
}
