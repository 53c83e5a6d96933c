/**
 * The built plugin, dist/kubectl-satoken: `npm test` builds it first; a lone `npx jest` run builds
 * it here when it is missing or older than src/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..', '..');
export const BUNDLE = path.join(ROOT, 'dist', 'kubectl-satoken');

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** The bundle's path, built if stale. */
export function bundle(): string {
  if (!existsSync(BUNDLE) || statSync(BUNDLE).mtimeMs < newestSource(path.join(ROOT, 'src'))) {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'ignore', timeout: 120_000 });
  }
  return BUNDLE;
}
