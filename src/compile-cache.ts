/**
 * Node's on-disk compile cache for the npm install (issue 8, start-up speed). Compiling the cli's
 * bundle costs tens of milliseconds per run and client-node's about ten times that; with the cache,
 * V8 reuses the code compiled by the previous run. It applies to modules loaded AFTER it is enabled,
 * which is why dist/kubectl-satoken is a small launcher that requires its bundles next to it
 * (scripts/cli-chunks.mjs). Best effort: any failure leaves Node compiling as usual.
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
 * $XDG_CACHE_HOME/kubectl-satoken, else a per-user directory in the temp dir. Node keeps one
 * sub-directory per Node version and V8 flags inside it, so upgrades never read stale code.
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
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory()) return false;
  if (uid === undefined) return true;
  return st.uid === uid && (st.mode & 0o022) === 0;
}

/** Enables the cache; returns the directory used, or undefined when it is off (never throws). */
export function enableCompileCache(host: CacheHost, nodeModule: { enableCompileCache?: (dir?: string) => unknown }): string | undefined {
  // NODE_DISABLE_COMPILE_CACHE=1 is Node's own switch, and Node honours it inside enableCompileCache too.
  if (typeof nodeModule.enableCompileCache !== 'function' || host.env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  try {
    const dir = compileCacheDir(host);
    if (!isPrivateDir(dir, host.uid)) return undefined;
    nodeModule.enableCompileCache(dir);
    return dir;
  } catch {
    // read-only home, full disk, …: run uncached
    return undefined;
  }
}
