/**
 * What the real tier's test files share: starting the machine's one real cluster (waiting while
 * another test file holds it, as jest runs files side by side), and running commands in a shell
 * that sourced the cluster's env file, as a user would.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const repo = path.resolve(__dirname, '..', '..', '..');

/** The Kubernetes release the tests expect: the pin, or SATOKEN_REAL_KUBERNETES_VERSION (v1.37.2 builds too). */
export const pinned = process.env.SATOKEN_REAL_KUBERNETES_VERSION
  ?? /^KUBERNETES_VERSION=(\S+)$/m.exec(readFileSync(path.join(repo, 'tests/realcluster/versions.env'), 'utf8'))![1];

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `cmd args` in a shell that sourced `${kubeconfig}.env` first (KUBECONFIG, the cluster's kubectl),
 * with this checkout's dist/ first on PATH (the cluster may have been started from another checkout).
 */
export function withEnv(kubeconfig: string, cmd: string, args: string[], input?: string, timeout = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile('bash', ['-c', 'source "$1" && export PATH="$2:$PATH" && shift 2 && exec "$@"', 'real', `${kubeconfig}.env`, path.join(repo, 'dist'), cmd, ...args],
      { encoding: 'utf8', timeout, maxBuffer: 32 << 20 }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** kubectl of the cluster, as withEnv runs it; a failure throws with its stderr. */
export async function kubectlIn(kubeconfig: string, args: string[], input?: string): Promise<Run> {
  const r = await withEnv(kubeconfig, 'kubectl', args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

export interface RealCluster {
  child: ChildProcess;
  url: string;
  /** The run directory (binaries, sockets, mounts), from the env file's PATH. */
  runDir: string;
  /** The last 20,000 characters the launcher wrote on stderr. */
  stderr(): string;
}

/**
 * Starts `npm run cluster -- --real` with `args` and resolves once it prints `ready`. While another
 * test file's cluster holds the machine (the launcher says so in one line and exits), it waits and
 * tries again, up to `waitMs`. A cold machine builds first, which can take tens of minutes: `progress`
 * gets each line the launcher and the build write on stderr until then.
 */
export async function startRealCluster(kubeconfig: string, args: string[] = [], waitMs = 30 * 60_000, progress?: (line: string) => void): Promise<RealCluster> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    let err = '';
    let partial = '';
    let up = false;
    const child = spawn(process.execPath, [path.join(repo, 'scripts/cluster.mjs'), '--real', '--kubeconfig', kubeconfig, '--kubernetes-version', pinned, ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr!.on('data', (d) => {
      err = (err + d).slice(-20_000);
      if (!progress || up) return;
      const lines = (partial + d).split('\n');
      partial = lines.pop()!.slice(-2000);
      for (const l of lines) progress(l);
    });
    const outcome = await new Promise<{ url: string } | 'busy'>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        const m = /^ready (https:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
        if (m) { up = true; resolve({ url: m[1] }); }
      });
      child.once('exit', (code) => (/already running on this machine/.test(err) ? resolve('busy') : reject(new Error(`the cluster exited ${code} before ready:\n${err}`))));
    });
    if (outcome !== 'busy') {
      const runDir = path.dirname(/^export PATH='([^']+)'/m.exec(readFileSync(`${kubeconfig}.env`, 'utf8'))![1]);
      return { child, url: outcome.url, runDir, stderr: () => err };
    }
    if (Date.now() > deadline) throw new Error(`another real cluster held the machine for ${Math.round(waitMs / 60_000)} minutes: ${err}`);
    progress?.('another real cluster holds the machine; trying again in 15 s');
    await new Promise((r) => setTimeout(r, 15_000));
  }
}
