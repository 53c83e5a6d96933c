/**
 * The real kubectl for compatibility tests: the first on PATH whose client is >= 1.28 (Debian's
 * kubernetes-client is 1.20, too old for `auth whoami` and plugin completion). Undefined when there is
 * none; tests then skip that part and say why.
 */
import { execFileSync } from 'node:child_process';

let cached: string | null | undefined;

export function findKubectl(): string | undefined {
  if (cached !== undefined) return cached ?? undefined;
  cached = null;
  try {
    const out = execFileSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
    const v = JSON.parse(out).clientVersion as { major: string; minor: string };
    if (Number(v.major) > 1 || (Number(v.major) === 1 && Number.parseInt(v.minor, 10) >= 28)) cached = 'kubectl';
  } catch {
    // not installed, or not runnable: stays null
  }
  return cached ?? undefined;
}
