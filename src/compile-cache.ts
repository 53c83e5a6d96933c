/**
 * Where the npm install keeps V8's code caches of its files (disk-chunks.ts; issue 8, start-up
 * speed): compiling the cli's bundle costs tens of milliseconds per run and client-node's about ten
 * times that, and with a cache V8 reuses the code the previous run compiled. Best effort: without a
 * directory we can trust, runs compile as usual.
 */
import { lstatSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/** What the choice of directory depends on; main.ts hands in the process's values. */
export interface CacheHost {
  env: Record<string, string | undefined>;
  /** process.getuid(), undefined on Windows. */
  uid: number | undefined;
  /** os.tmpdir() */
  tmpdir: string;
}

/**
 * $XDG_CACHE_HOME/kubectl-satoken, else a per-user directory in the temp dir. A cache's file name
 * carries its file's build id and the Node version, so upgrades never read stale code.
 */
export function compileCacheDir(host: CacheHost): string {
  const xdg = host.env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'kubectl-satoken');
  return path.join(host.tmpdir, `kubectl-satoken-compile-cache-${host.uid ?? 'user'}`);
}

/**
 * A directory we may trust with code: ours and writable by nobody else. Code cache from a directory
 * another user can write to (a shared /tmp) could inject code into our process, so such a
 * directory is not used.
 */
function isPrivateDir(dir: string, uid: number | undefined): boolean {
  makeDir(dir);
  const st = lstatSync(dir);
  if (!st.isDirectory()) return false;
  if (uid === undefined) return true;
  return st.uid === uid && (st.mode & 0o022) === 0;
}

/**
 * Creates `dir` and, if need be, its parent (a missing ~/.cache) — no deeper. Not mkdirSync's
 * `recursive`, which loops for ever where mkdir answers ENOENT under an existing parent
 * (XDG_CACHE_HOME=/proc/self hung every run, --help included).
 */
function makeDir(dir: string): void {
  const make = (d: string) => {
    try {
      mkdirSync(d, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  };
  try {
    make(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    make(path.dirname(dir));
    make(dir);
  }
}

/** The cache directory, created if need be; undefined when caching is off (never throws). */
export function codeCacheDir(host: CacheHost): string | undefined {
  // NODE_DISABLE_COMPILE_CACHE=1, Node's switch for its own compile cache, turns ours off too.
  if (host.env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  try {
    const dir = compileCacheDir(host);
    return isPrivateDir(dir, host.uid) ? dir : undefined;
  } catch {
    // read-only home, full disk, …: run uncached
    return undefined;
  }
}
