/**
 * The real backend of the benchmarks: a real single-node Kubernetes (scripts/realcluster), either the
 * one named by SATOKEN_REAL_KUBECONFIG (with SATOKEN_REAL_RUN_DIR and SATOKEN_REAL_AUDIT_LOG: a
 * shared cluster, `source /work/rk/env.sh`-style) or one this run starts (`npm run cluster -- --real
 * --audit-log …`) and stops.
 *
 * Every benchmark request goes out as a user of its own, `real-bench-<pid>` in group
 * system:masters, with a client certificate signed by the cluster's CA (`${runDir}/pki/ca.key`): the
 * audit log then tells this run's requests apart from everyone else's on a shared cluster (the
 * controllers', other users'), and the plugin and kubectl are measured as the same user, with the
 * same authorization and the same API Priority and Fairness level (system:masters is exempt, like the
 * cluster's admin).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NODE, ROOT, WORK } from './lib.mjs';

/** kubeconfig `server` of a JSON kubeconfig (the launcher writes JSON). */
export function serverOf(kubeconfigFile) {
  return JSON.parse(readFileSync(kubeconfigFile, 'utf8')).clusters[0].cluster.server;
}

/** A kubeconfig for the bench user, at `server` (the API server, or a proxy in front of it). */
export function writeKubeconfig(file, server, identity) {
  const b64 = (b) => Buffer.from(b).toString('base64');
  writeFileSync(file, JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'real', cluster: { server, 'certificate-authority-data': b64(identity.ca) } }],
    users: [{ name: identity.user, user: { 'client-certificate-data': b64(identity.cert), 'client-key-data': b64(identity.key) } }],
    contexts: [{ name: 'real', context: { cluster: 'real', user: identity.user } }],
    'current-context': 'real',
  }, null, 2) + '\n', { mode: 0o600 });
}

/** A client certificate for `user` in system:masters, signed by the cluster's CA with the openssl CLI. */
function issueIdentity(pkiDir, dir, user) {
  mkdirSync(dir, { recursive: true });
  const o = (args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  o(['genrsa', '-out', 'bench.key', '2048']);
  o(['req', '-new', '-key', 'bench.key', '-subj', `/CN=${user}/O=system:masters`, '-out', 'bench.csr']);
  writeFileSync(path.join(dir, 'bench.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n');
  o(['x509', '-req', '-in', 'bench.csr', '-CA', path.join(pkiDir, 'ca.crt'), '-CAkey', path.join(pkiDir, 'ca.key'), '-set_serial', String(Date.now()),
    '-days', '1', '-extfile', 'bench.ext', '-out', 'bench.crt']);
  return {
    user,
    ca: readFileSync(path.join(pkiDir, 'ca.crt')),
    cert: readFileSync(path.join(dir, 'bench.crt')),
    key: readFileSync(path.join(dir, 'bench.key')),
  };
}

/** Starts `npm run cluster -- --real` (a cold machine builds first: tens of minutes); resolves on `ready`. */
function startOwn(dir, log) {
  const kubeconfig = path.join(dir, 'admin.kubeconfig');
  const auditLog = path.join(dir, 'audit.log');
  rmSync(auditLog, { force: true });
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [path.join(ROOT, 'scripts/cluster.mjs'), '--real', '--kubeconfig', kubeconfig, '--audit-log', auditLog], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (c) => {
      err = (err + c).slice(-20_000);
    });
    child.stdout.on('data', (c) => {
      out += c;
      const m = /^ready (https:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
      if (!m) return;
      const runDir = path.dirname(/^export PATH='([^']+)'/m.exec(readFileSync(`${kubeconfig}.env`, 'utf8'))[1]);
      resolve({
        kubeconfig,
        runDir,
        auditLog,
        stop: () => new Promise((done) => {
          if (child.exitCode !== null) return done();
          child.once('exit', done);
          child.kill('SIGTERM');
        }),
      });
    });
    child.once('exit', (code) => reject(new Error(`the real cluster exited ${code} before ready: ${err.slice(-1500)}`)));
    log('real: starting a real cluster (npm run cluster -- --real; a cold machine builds it first)…');
  });
}

/**
 * The real cluster the benchmarks use, with the bench user's kubeconfig and the cluster's kubectl.
 * `release()` stops the cluster when this run started it.
 */
export async function realCluster(log) {
  const dir = path.join(WORK, 'real');
  mkdirSync(dir, { recursive: true });
  const env = process.env;
  let base;
  if (env.SATOKEN_REAL_KUBECONFIG) {
    for (const v of ['SATOKEN_REAL_RUN_DIR', 'SATOKEN_REAL_AUDIT_LOG']) if (!env[v]) throw new Error(`SATOKEN_REAL_KUBECONFIG is set but ${v} is not (source the cluster's env.sh)`);
    base = { kubeconfig: env.SATOKEN_REAL_KUBECONFIG, runDir: env.SATOKEN_REAL_RUN_DIR, auditLog: env.SATOKEN_REAL_AUDIT_LOG, stop: async () => {}, shared: true };
    log(`real: using the cluster in SATOKEN_REAL_KUBECONFIG (${serverOf(base.kubeconfig)})`);
  } else {
    base = { ...(await startOwn(dir, log)), shared: false };
  }
  try {
    if (!existsSync(base.auditLog)) throw new Error(`the cluster's audit log ${base.auditLog} does not exist (the benchmark counts requests from it)`);
    const kubectl = path.join(base.runDir, 'path', 'kubectl');
    if (!existsSync(kubectl)) throw new Error(`no kubectl at ${kubectl}`);
    const identity = issueIdentity(path.join(base.runDir, 'pki'), dir, `real-bench-${process.pid}`);
    const server = serverOf(base.kubeconfig);
    const kubeconfig = path.join(dir, 'bench.kubeconfig');
    writeKubeconfig(kubeconfig, server, identity);
    const version = execFileSync(kubectl, ['version', '-o', 'json'], { encoding: 'utf8', env: { ...process.env, KUBECONFIG: kubeconfig } });
    const serverVersion = JSON.parse(version).serverVersion?.gitVersion;
    log(`real: Kubernetes ${serverVersion}; requests go out as ${identity.user}`);
    return { ...base, server, identity, kubeconfig, kubectl, serverVersion, dir, release: base.stop };
  } catch (e) {
    await base.stop();
    throw e;
  }
}
