/**
 * The built bundle for tests that run it as a user would (e2e, release): where it is, building it
 * when src/ changed since, and a PATH made from scratch. /usr/bin/node is Node 20, which the bundle
 * refuses, so a PATH that inherits the machine's would test the wrong Node.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const DIST = path.join(ROOT, 'dist');
/** The plugin executable kubectl finds on PATH. */
export const BIN = path.join(DIST, 'kubectl-satoken');
/** The completion helper kubectl runs for `kubectl __complete satoken …`. */
export const HELPER = path.join(DIST, 'kubectl_complete-satoken');
/** The project's Node 24 (the npm `node` package), not the machine's Node 20. */
export const NODE24 = path.join(ROOT, 'node_modules', '.bin', 'node');
export const KUBECTL = '/usr/bin/kubectl';

/** The newest modification time of any file under dir (recursively), in ms. */
export function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds dist/ with scripts/build.mjs when either executable is missing or older than src/. */
export function ensureBundle(): void {
  const src = newestMtime(path.join(ROOT, 'src'));
  if ([BIN, HELPER].some((f) => !existsSync(f) || statSync(f).mtimeMs < src)) {
    execFileSync(NODE24, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'pipe' });
  }
}

/** A directory under work holding only `name`, a link to target: a PATH entry that brings one program. */
export function onlyDir(work: string, name: string, target: string): string {
  const d = path.join(work, `only-${name}-${target.replace(/\W+/g, '_')}`);
  if (!existsSync(d)) {
    mkdirSync(d);
    symlinkSync(target, path.join(d, name));
  }
  return d;
}

/** A PATH of dist/ (the plugin and its completion helper), only `node` (Node 24 unless told) and only kubectl. */
export function cleanPath(work: string, node = NODE24): string {
  return [DIST, onlyDir(work, 'node', node), onlyDir(work, 'kubectl', KUBECTL)].join(':');
}
