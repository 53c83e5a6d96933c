/**
 * Whether this machine can run the real tier (a Kubernetes built from upstream sources, run as root),
 * and if not, the one-line reason. It runs wherever it can: Linux, root, Go, and the Debian packages
 * the node uses (`.ci/run` installs them). SATOKEN_REAL=0 turns it off. The first run on a machine
 * compiles Kubernetes, etcd, containerd and runc from the Go module proxy (about 25 minutes on two
 * cores; scripts/realcluster/build.sh caches the result outside the checkout).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** What the node takes from the host at run time: the CNI plugins and the busybox the test image is made of. */
const HOST_FILES: Array<[string, string]> = [
  ['/usr/lib/cni/bridge', 'containernetworking-plugins'],
  ['/bin/busybox', 'busybox-static'],
];

export function realTierUnavailable(env: NodeJS.ProcessEnv = process.env, exists: (p: string) => boolean = existsSync): string | undefined {
  if (env.SATOKEN_REAL === '0') return 'SATOKEN_REAL=0 turns it off';
  if (process.platform !== 'linux') return `it needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'it needs root (the kubelet and runc mount, and make cgroups and namespaces)';
  try {
    execFileSync('go', ['version'], { stdio: 'ignore', timeout: 20_000, env });
  } catch {
    return 'go is not on PATH (the cluster is built with Go from the module proxy)';
  }
  const missing = HOST_FILES.filter(([file]) => !exists(file)).map(([, pkg]) => pkg);
  if (missing.length > 0) return `it needs the Debian packages ${missing.join(', ')} (apt-get install ${missing.join(' ')}; .ci/run installs them)`;
  return undefined;
}
