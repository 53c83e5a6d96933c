/**
 * Whether this machine can run the real tier (a Kubernetes built from upstream sources, run as root),
 * and if not, the one-line reason. The tier is opt-in with SATOKEN_REAL=1 because its first build
 * compiles Kubernetes, etcd, containerd and runc from the Go module proxy.
 */
import { execFileSync } from 'node:child_process';

export function realTierUnavailable(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.SATOKEN_REAL !== '1') return 'SATOKEN_REAL=1 is not set (the first run builds Kubernetes from source, see scripts/realcluster)';
  if (process.platform !== 'linux') return `it needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'it needs root (the kubelet and runc mount, and make cgroups and namespaces)';
  try {
    execFileSync('go', ['version'], { stdio: 'ignore', timeout: 20_000, env });
  } catch {
    return 'go is not on PATH (the cluster is built with Go from the module proxy)';
  }
  return undefined;
}
