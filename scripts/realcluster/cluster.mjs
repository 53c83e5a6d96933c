// `npm run cluster -- --real --kubeconfig PATH [--port N] [--profile P] [--kubernetes-version V] [--audit-log PATH]`:
// a real single-node Kubernetes (etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
// kubelet, containerd, runc) built from upstream sources by build.sh, run as host processes on
// loopback only. Prints exactly one `ready https://127.0.0.1:PORT` line on stdout once the node is
// Ready; everything else goes to stderr. Runs until SIGTERM/SIGINT (or its parent exits), then stops
// every process it started and leaves the host as it found it. Needs root (mounts, cgroups, namespaces).
// While it runs, `control.sock` in its run directory takes requests to restart kube-apiserver or
// kube-controller-manager with other flags and to stop or start the kubelet (control.mjs).
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, cpSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImages, importImages, BUSYBOX_IMAGE, PAUSE_IMAGE } from './images.mjs';
import { containerdConfig, kubeletConfig } from './node-config.mjs';
import { kubeconfig, makePki } from './pki.mjs';
import { REAL_PROFILES, serviceAccountFlags } from './profiles.mjs';
import { checkExtraArgs, serveControl } from './control.mjs';
import { BRIDGE, killAndWait, restoreHost, snapshotHost, stopPods } from './host.mjs';
import { buildEksWebhook, eksWebhook } from './eks-webhook.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const LOCK = path.join(os.tmpdir(), 'kubectl-satoken-realcluster.lock');
// The node is named after its address, as hack/local-up-cluster.sh does (HOSTNAME_OVERRIDE=127.0.0.1):
// the kubelet refuses a loopback --node-ip (k/k pkg/kubelet/kubelet_node_status.go validateNodeIP) but
// takes an IP given as the hostname override as its InternalIP unchecked (pkg/kubelet/nodestatus/setters.go
// NodeAddress), which keeps the apiserver's exec and logs traffic to the kubelet on loopback.
export const NODE_NAME = '127.0.0.1';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (m) => process.stderr.write(`realcluster: ${m}\n`);
const shq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

export function parseArgs(argv) {
  const o = { port: 0, profile: 'kubeadm', kubernetesVersion: undefined, auditLog: undefined, kubeconfig: '' };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let inline;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { inline = a.slice(eq + 1); a = a.slice(0, eq); }
    const value = () => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--real': break;
      case '--kubeconfig': o.kubeconfig = value(); break;
      case '--port': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) > 65535) throw new Error(`--port must be 0..65535 (got "${v}")`);
        o.port = Number(v);
        break;
      }
      case '--profile': {
        const v = value();
        if (!REAL_PROFILES.includes(v)) throw new Error(`--profile must be one of ${REAL_PROFILES.join(', ')} with --real (got "${v}")`);
        o.profile = v;
        break;
      }
      case '--kubernetes-version': {
        const v = value();
        if (!/^v?\d+\.\d+\.\d+$/.test(v)) throw new Error(`--kubernetes-version must look like v1.36.3 (got "${v}")`);
        o.kubernetesVersion = v.startsWith('v') ? v : `v${v}`;
        // The pinned release lives in tests/realcluster/kube, any other in kube-<version>.
        const pinned = /^KUBERNETES_VERSION=(\S+)$/m.exec(readFileSync(path.join(repo, 'tests/realcluster/versions.env'), 'utf8'))?.[1];
        if (o.kubernetesVersion !== pinned && !existsSync(path.join(repo, 'tests/realcluster', `kube-${o.kubernetesVersion}`, 'go.mod'))) {
          const have = [pinned, ...readdirSync(path.join(repo, 'tests/realcluster')).filter((d) => d.startsWith('kube-')).map((d) => d.slice(5))];
          throw new Error(`--kubernetes-version ${o.kubernetesVersion} has no Go module here (have ${have.join(', ')})`);
        }
        break;
      }
      case '--audit-log': o.auditLog = path.resolve(value()); break;
      default: throw new Error(`unknown flag ${a} with --real`);
    }
  }
  if (!o.kubeconfig) throw new Error('--kubeconfig PATH is required');
  o.kubeconfig = path.resolve(o.kubeconfig);
  return o;
}

/** Runs build.sh (which reuses its cache) and returns the directory holding bin/. */
function build(kubernetesVersion) {
  const args = kubernetesVersion ? ['--kubernetes-version', kubernetesVersion] : [];
  return execFileSync(path.join(here, 'build.sh'), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop();
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** Whether `pid` runs (a zombie, killed but not yet reaped, does not). */
function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The pid of a live cluster holding the lock, if any. */
function runningCluster() {
  try {
    const { pid } = JSON.parse(readFileSync(LOCK, 'utf8'));
    return Number.isInteger(pid) && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the one-cluster-per-machine lock, clearing a dead owner's leftovers first. Throws a one-line reason. */
async function lock(dir, bin) {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(LOCK, 'wx');
      writeFileSync(fd, JSON.stringify({ pid: process.pid, dir }));
      closeSync(fd);
      return;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    let held = {};
    try { held = JSON.parse(readFileSync(LOCK, 'utf8')); } catch { /* torn write: treat as stale */ }
    if (Number.isInteger(held.pid) && alive(held.pid)) {
      throw new Error(`a real cluster is already running on this machine (pid ${held.pid}); stop it first`);
    }
    if (typeof held.dir === 'string' && held.dir.startsWith(path.join(os.tmpdir(), 'ktrc-'))) {
      log(`clearing what a stopped run left in ${held.dir}`);
      let before = { bin, tunables: {}, existing: [], kubepods: [], shimSockets: [], bridge: true };
      try { before = JSON.parse(readFileSync(path.join(held.dir, 'host-before.json'), 'utf8')); } catch { /* never got that far */ }
      await restoreHost(held.dir, before);
    }
    rmSync(LOCK, { force: true });
  }
  throw new Error(`could not take ${LOCK}`);
}

function request(base, tls, method, p, body) {
  return new Promise((resolve, reject) => {
    const u = new URL(p, base);
    const req = https.request(u, { method, ...tls, headers: body ? { 'content-type': 'application/json' } : {}, timeout: 10_000 }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { if (data.length < 4 << 20) data += c; });
      res.on('end', () => resolve({ status: res.statusCode, body: data }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

export async function main(argv) {
  let opts;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exitCode = 2;
    return;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('error: the real cluster needs root (mounts, cgroups and namespaces for the kubelet and runc)\n');
    process.exitCode = 1;
    return;
  }
  // Said before building, so that a second start prints its one line and nothing else.
  const holder = runningCluster();
  if (holder) {
    process.stderr.write(`error: a real cluster is already running on this machine (pid ${holder}); stop it first\n`);
    process.exitCode = 1;
    return;
  }
  const started = Date.now();
  let out;
  try {
    out = build(opts.kubernetesVersion);
  } catch {
    process.stderr.write('error: building the real cluster failed (see the build output above)\n');
    process.exitCode = 1;
    return;
  }
  const bin = path.join(out, 'bin');
  // The profile's identity webhook, built before anything starts (a failed build starts nothing).
  let webhookBin;
  if (opts.profile === 'eks') {
    try {
      webhookBin = await buildEksWebhook();
    } catch {
      process.stderr.write('error: building the EKS pod identity webhook failed (see the build output above)\n');
      process.exitCode = 1;
      return;
    }
  }
  // Short on purpose: unix socket paths are limited to 108 bytes.
  const R = mkdtempSync(path.join(os.tmpdir(), 'ktrc-'));
  try {
    await lock(R, bin);
  } catch (e) {
    rmSync(R, { recursive: true, force: true });
    process.stderr.write(`error: ${e.message}\n`);
    process.exitCode = 1;
    return;
  }
  const before = snapshotHost(bin);
  writeFileSync(path.join(R, 'host-before.json'), JSON.stringify(before));
  const children = [];
  let webhook;
  let stopping = false;
  let failed;
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    log('stopping');
    const keep = process.env.SATOKEN_REALCLUSTER_KEEP_LOGS;
    if (keep) { try { cpSync(path.join(R, 'logs'), keep, { recursive: true }); } catch { /* no logs yet */ } }
    await webhook?.stop();
    // The kubelet first (it would restart what is stopped under it), the control plane last.
    for (const name of ['kubelet', 'containerd', 'kube-scheduler', 'kube-controller-manager', 'kube-apiserver', 'etcd']) {
      // Containers, then their shims (started by containerd with our socket's address), then containerd.
      if (name === 'containerd') await stopPods(path.join(R, 'containerd.sock'), bin).catch(() => {});
      const c = children.find((x) => x.name === name);
      if (c && c.exitCode === null) await killAndWait([c.pid], 'SIGTERM', 15_000);
    }
    await restoreHost(R, before);
    rmSync(LOCK, { force: true });
    log(`stopped; nothing left in ${R}`);
    process.exit(code);
  };
  // Also stop when the process that started us is gone: `npm run` does not pass a SIGTERM on to its
  // script, and a killed test run would otherwise leave a root cluster holding the machine's one slot.
  const parent = process.ppid;
  setInterval(() => { if (!alive(parent) || process.ppid !== parent) void stop(0); }, 1000).unref();
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  const logs = path.join(R, 'logs');
  mkdirSync(logs);
  const run = (name, args, env = {}) => {
    const fd = openSync(path.join(logs, `${name}.log`), 'a');
    // A process group of its own: a terminal's Ctrl-C reaches only this script, which stops them in order.
    const c = spawn(path.join(bin, name), args, { stdio: ['ignore', fd, fd], detached: true, env: { ...process.env, ...env } });
    closeSync(fd);
    c.name = name;
    c.exitCode = null;
    // Set while the control channel stops this process or waits for its replacement to serve: that
    // exit is the channel's to handle, not a failure of the cluster.
    c.onPurpose = false;
    c.on('exit', (code, sig) => {
      c.exitCode = code ?? sig;
      if (!stopping && !c.onPurpose) {
        failed = `${name} exited (${code ?? sig})`;
        const tail = readFileSync(path.join(logs, `${name}.log`), 'utf8').split('\n').slice(-12).join('\n');
        process.stderr.write(`${tail.replace(/[^\x09\x0a\x20-\x7e]/g, '?')}\n`);
        process.stderr.write(`error: ${failed}\n`);
        void stop(1);
      }
    });
    // A restarted component replaces its predecessor: stop() stops the one that runs.
    const at = children.findIndex((x) => x.name === name);
    if (at >= 0) children.splice(at, 1, c);
    else children.push(c);
    writeFileSync(path.join(R, 'pids.json'), JSON.stringify(children.map((x) => ({ name: x.name, pid: x.pid }))));
    return c;
  };
  const waitFor = async (what, check, ms = 180_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      if (failed || stopping) throw new Error(failed ?? 'stopping');
      try { if (await check()) return; } catch { /* not yet */ }
      if (Date.now() > deadline) throw new Error(`${what} not ready after ${ms / 1000} s (logs in ${logs})`);
      await sleep(500);
    }
  };

  /** Stops `c` on purpose (SIGTERM, SIGKILL after `ms`) and resolves once it exited. */
  const stopChild = async (c, ms) => {
    c.onPurpose = true;
    if (c.exitCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    const hard = setTimeout(() => c.kill('SIGKILL'), ms);
    await gone;
    clearTimeout(hard);
  };
  const lastLogLine = (name) => {
    const lines = readFileSync(path.join(logs, `${name}.log`), 'utf8').slice(-4000).split('\n').filter((l) => l.trim());
    return (lines.pop() ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 300);
  };
  /**
   * Starts `name` with `args` in place of the one that runs and resolves once `ready(since)` holds;
   * throws (with the process stopped) if it exits or does not serve within `ms`.
   */
  const replace = async (name, args, env, ready, ms) => {
    const old = children.find((x) => x.name === name);
    // kube-apiserver stops listening and finishes its requests at once, then waits out its
    // ShutdownTimeout (= --request-timeout, 60 s: k8s.io/apiserver pkg/server/config.go) for the other
    // components' open watch streams, which only end with it: 5 s is plenty, and each second here is
    // a second in which every client of a shared cluster is refused.
    if (old) await stopChild(old, name === 'kube-apiserver' ? 5_000 : 15_000);
    if (stopping) throw new Error('the cluster is stopping');
    writeFileSync(path.join(logs, `${name}.log`), `--- control channel: ${name} started at ${new Date().toISOString()}\n`, { flag: 'a' });
    const since = Date.now();
    const c = run(name, args, env);
    c.onPurpose = true;
    const deadline = Date.now() + ms;
    for (;;) {
      if (stopping) throw new Error('the cluster is stopping');
      if (c.exitCode !== null) throw new Error(`${name} exited (${c.exitCode}): ${lastLogLine(name)}`);
      try { if (await ready(since)) break; } catch { /* not yet */ }
      if (Date.now() > deadline) {
        await stopChild(c, 10_000);
        throw new Error(`${name} did not serve within ${ms / 1000} s (logs in ${logs})`);
      }
      await sleep(500);
    }
    c.onPurpose = false;
  };
  /**
   * The control channel's requests. reconfigure is declarative: what a request leaves out takes the
   * value the cluster started with, so `{"op":"reconfigure"}` alone restores the start.
   */
  const controlHandler = ({ initial, apiArgs, kcmArgs, kubeletArgs, kubeletEnv, ready }) => {
    let now = { ...initial };
    const status = () => {
      const k = children.find((x) => x.name === 'kubelet');
      return { profile: now.profile, apiserverArgs: now.apiserverArgs, controllerManagerArgs: now.controllerManagerArgs, kubelet: !!k && k.exitCode === null };
    };
    // A component whose new flags fail is started again with the flags it had; if even that fails,
    // the cluster is broken and stops, as when a component exits by itself.
    const swap = async (name, before, after, env, ms) => {
      try {
        await replace(name, after, env, ready[name], ms);
      } catch (e) {
        if (stopping) throw e;
        try {
          await replace(name, before, env, ready[name], ms);
        } catch (again) {
          if (stopping) throw again;
          failed = `${name} did not come back with its previous flags: ${again.message}`;
          process.stderr.write(`error: ${failed}\n`);
          void stop(1);
          throw new Error(failed);
        }
        throw new Error(`${e.message}; it runs with its previous flags again`);
      }
    };
    return async (request) => {
      if (stopping) return { ok: false, error: 'the cluster is stopping' };
      const began = Date.now();
      switch (request.op) {
        case 'status':
          return { ok: true, ...status() };
        case 'reconfigure': {
          const profile = request.profile ?? initial.profile;
          if (!REAL_PROFILES.includes(profile)) return { ok: false, error: `profile must be one of ${REAL_PROFILES.join(', ')} (got ${JSON.stringify(String(profile).slice(0, 40))})` };
          const a = checkExtraArgs('kube-apiserver', request.apiserverArgs);
          if (a.error) return { ok: false, error: a.error };
          const k = checkExtraArgs('kube-controller-manager', request.controllerManagerArgs);
          if (k.error) return { ok: false, error: k.error };
          const next = { profile, apiserverArgs: a.args, controllerManagerArgs: k.args };
          const restarted = [];
          const same = (x, y) => JSON.stringify(x) === JSON.stringify(y);
          try {
            if (!same(apiArgs(now), apiArgs(next))) {
              log(`control: restarting kube-apiserver (profile ${profile}${a.args.length ? `, ${a.args.length} extra args` : ''})`);
              await swap('kube-apiserver', apiArgs(now), apiArgs(next), {}, 180_000);
              now = { ...now, profile, apiserverArgs: a.args };
              restarted.push('kube-apiserver');
            }
            if (!same(kcmArgs(now), kcmArgs(next))) {
              log(`control: restarting kube-controller-manager${k.args.length ? ` (${k.args.length} extra args)` : ''}`);
              await swap('kube-controller-manager', kcmArgs(now), kcmArgs(next), {}, 120_000);
              now = { ...now, controllerManagerArgs: k.args };
              restarted.push('kube-controller-manager');
            }
            // The profile's identity webhook follows the profile, as EKS runs it for each of its clusters.
            if ((now.profile === 'eks') !== webhook.running) {
              log(`control: ${now.profile === 'eks' ? 'starting' : 'stopping'} the EKS pod identity webhook`);
              if (now.profile === 'eks') await webhook.enable();
              else await webhook.disable();
              restarted.push('pod-identity-webhook');
            }
          } catch (e) {
            return { ok: false, error: e.message, restarted, ...status() };
          }
          return { ok: true, restarted, seconds: (Date.now() - began) / 1000, ...status() };
        }
        case 'kubelet': {
          if (typeof request.running !== 'boolean') return { ok: false, error: 'kubelet needs "running": true or false' };
          const k = children.find((x) => x.name === 'kubelet');
          const runs = !!k && k.exitCode === null;
          if (!request.running) {
            // Its containers keep running, as on a node whose kubelet died.
            if (runs) { log('control: stopping the kubelet'); await stopChild(k, 30_000); }
            return { ok: true, seconds: (Date.now() - began) / 1000, ...status() };
          }
          if (!runs) {
            log('control: starting the kubelet');
            try {
              await replace('kubelet', kubeletArgs, kubeletEnv, ready.kubelet, 240_000);
            } catch (e) {
              return { ok: false, error: e.message, ...status() };
            }
          }
          return { ok: true, seconds: (Date.now() - began) / 1000, ...status() };
        }
        default:
          return { ok: false, error: `unknown op ${JSON.stringify(String(request.op).slice(0, 40))} (status, reconfigure, kubelet)` };
      }
    };
  };
  const microTime = (t) => (typeof t === 'string' ? Date.parse(t.replace(/(\.\d{3})\d+Z$/, '$1Z')) : NaN);

  try {
    const port = opts.port || (await freePort());
    const etcdPort = await freePort();
    const etcdPeer = await freePort();
    const kubeletPort = await freePort();
    const kcmPort = await freePort();
    const pkiDir = path.join(R, 'pki');
    mkdirSync(pkiDir);
    const pki = makePki(pkiDir, NODE_NAME);
    const url = `https://127.0.0.1:${port}`;

    log('starting etcd');
    run('etcd', ['--name=default', `--data-dir=${R}/etcd`, `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`, `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`, `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync', '--log-level=warn']);
    await waitFor('etcd', async () => (await fetch(`http://127.0.0.1:${etcdPort}/health`)).ok, 60_000);

    const apiBase = [`--etcd-servers=http://127.0.0.1:${etcdPort}`, '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1',
      `--secure-port=${port}`, `--cert-dir=${R}/apiserver`, '--service-cluster-ip-range=10.0.0.0/24',
      `--tls-cert-file=${pki.apiserver.crt}`, `--tls-private-key-file=${pki.apiserver.key}`, `--client-ca-file=${pki.ca.crt}`,
      `--kubelet-client-certificate=${pki['apiserver-kubelet-client'].crt}`, `--kubelet-client-key=${pki['apiserver-kubelet-client'].key}`,
      `--kubelet-certificate-authority=${pki.ca.crt}`, '--kubelet-preferred-address-types=InternalIP',
      '--authorization-mode=Node,RBAC', '--enable-admission-plugins=NodeRestriction', '--allow-privileged=true',
      `--service-account-key-file=${pki.sa.pub}`, `--service-account-signing-key-file=${pki.sa.key}`,
      // The `kubernetes` Service's endpoints would name 127.0.0.1, which Endpoints validation refuses
      // (loopback); pods reach the apiserver on the host network instead.
      '--endpoint-reconciler-type=none'];
    const auditArgs = [];
    if (opts.auditLog) {
      // One Metadata rule, as local-up-cluster writes it; blocking so that an entry is on disk
      // before the response, for tests that read the log right after a request.
      writeFileSync(path.join(R, 'audit-policy.yaml'), 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n');
      auditArgs.push(`--audit-policy-file=${R}/audit-policy.yaml`, `--audit-log-path=${opts.auditLog}`, '--audit-log-format=json', '--audit-log-mode=blocking');
    }
    // What the control channel changes: the profile's ServiceAccount flags and extra args, appended
    // last (a scalar flag given again wins; a list flag such as --service-account-issuer grows).
    const apiArgs = (s) => [...apiBase, ...serviceAccountFlags(s.profile), ...auditArgs, ...s.apiserverArgs];
    const initial = { profile: opts.profile, apiserverArgs: [], controllerManagerArgs: [] };
    log(`starting kube-apiserver (profile ${opts.profile})`);
    run('kube-apiserver', apiArgs(initial));
    const admin = { ca: readFileSync(pki.ca.crt), cert: readFileSync(pki.admin.crt), key: readFileSync(pki.admin.key) };
    await waitFor('kube-apiserver', async () => (await request(url, admin, 'GET', '/readyz')).status === 200);
    // The apiserver's kubelet client may use the kubelet API (exec, logs), as local-up binds it.
    const crb = await request(url, admin, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'kube-apiserver-kubelet-api-admin' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:kubelet-api-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'kube-apiserver-kubelet-client' }],
    });
    if (crb.status !== 201) throw new Error(`creating the kubelet-api-admin binding answered ${crb.status}`);
    // Before any pod exists, as on EKS, where it runs from the cluster's creation. Its exit is said
    // and left as is: its failurePolicy Ignore admits pods unmutated, as EKS would.
    webhook = eksWebhook({ R, url, log, request: (method, p, body) => request(url, admin, method, p, body), onExit: (why) => log(`warning: ${why}`) });
    if (opts.profile === 'eks') await webhook.enable(webhookBin);

    const kc = (name, cert, user) => { const f = path.join(R, `${name}.kubeconfig`); writeFileSync(f, kubeconfig(url, pki.ca.crt, cert, { user }), { mode: 0o600 }); return f; };
    const adminKc = kubeconfig(url, pki.ca.crt, pki.admin, { user: 'kubernetes-admin' });
    mkdirSync(path.dirname(opts.kubeconfig), { recursive: true });
    writeFileSync(opts.kubeconfig, adminKc, { mode: 0o600 });
    const kcm = kc('kcm', pki.kcm, 'system:kube-controller-manager');
    const sched = kc('scheduler', pki.scheduler, 'system:kube-scheduler');
    const kubeletKc = kc('kubelet', pki.kubelet, `system:node:${NODE_NAME}`);

    log('starting kube-controller-manager and kube-scheduler');
    // Its secure port on loopback, as kubeadm runs it, for the control channel to see a restarted one
    // serve: /healthz is always allowed (k8s.io/apiserver pkg/server/options/authorization.go
    // NewDelegatingAuthorizationOptions, AlwaysAllowPaths), anonymous requests too (authentication.go
    // NewDelegatingAuthenticationOptions). Its self-signed serving cert goes to cert-dir.
    const kcmArgs = (s) => [`--kubeconfig=${kcm}`, '--use-service-account-credentials', `--service-account-private-key-file=${pki.sa.key}`,
      `--root-ca-file=${pki.ca.crt}`, `--cluster-signing-cert-file=${pki.ca.crt}`, `--cluster-signing-key-file=${pki.ca.key}`,
      '--leader-elect=false', '--bind-address=127.0.0.1', `--secure-port=${kcmPort}`, `--cert-dir=${R}/kcm`, '--controllers=*',
      ...s.controllerManagerArgs];
    run('kube-controller-manager', kcmArgs(initial));
    run('kube-scheduler', [`--kubeconfig=${sched}`, '--leader-elect=false', '--secure-port=0']);

    const sock = path.join(R, 'containerd.sock');
    for (const d of ['containerd/root', 'containerd/state', 'containerd/opt', 'runc', 'cni/net.d', 'cni/ipam', 'kubelet', 'logs/pods']) mkdirSync(path.join(R, d), { recursive: true });
    writeFileSync(path.join(R, 'containerd.toml'), containerdConfig(R, bin));
    // Only for pods off the host network: a bridge with no gateway and no masquerade, so such a pod can
    // reach nothing beyond its bridge. The CRI reports NetworkReady only once a CNI config loads.
    writeFileSync(path.join(R, 'cni/net.d/10-kt.conflist'), JSON.stringify({
      cniVersion: '1.0.0', name: 'kt',
      plugins: [{ type: 'bridge', bridge: BRIDGE, isGateway: false, ipMasq: false,
        ipam: { type: 'host-local', ranges: [[{ subnet: '10.244.0.0/24' }]], dataDir: path.join(R, 'cni/ipam') } }],
    }));
    log('starting containerd');
    run('containerd', ['--config', path.join(R, 'containerd.toml')], { PATH: `${bin}:/usr/bin:/usr/sbin` });
    const ctr = path.join(bin, 'ctr');
    await waitFor('containerd', async () => { execFileSync(ctr, ['--address', sock, 'version'], { stdio: 'ignore' }); return true; }, 60_000);
    const images = buildImages(path.join(R, 'images'), path.join(bin, 'pause'));
    importImages(ctr, sock, images);
    rmSync(path.join(R, 'images'), { recursive: true, force: true });
    rmSync(path.join(R, 'images.tar'), { force: true });

    writeFileSync(path.join(R, 'resolv.conf'), 'nameserver 127.0.0.1\n');
    writeFileSync(path.join(R, 'kubelet.yaml'), kubeletConfig(R, pki, kubeletPort));
    log('starting kubelet');
    // No /usr/sbin on the kubelet's PATH: without iptables it skips its KUBE-FIREWALL and canary
    // chains (k/k pkg/kubelet/kubelet_network_linux.go initNetworkUtil), which would outlive it.
    const kubeletArgs = [`--config=${R}/kubelet.yaml`, `--kubeconfig=${kubeletKc}`, `--hostname-override=${NODE_NAME}`,
      `--root-dir=${R}/kubelet`, `--cert-dir=${R}/kubelet/pki`];
    const kubeletEnv = { PATH: `${bin}:/usr/bin` };
    run('kubelet', kubeletArgs, kubeletEnv);

    await waitFor('node Ready', async () => {
      const r = await request(url, admin, 'GET', `/api/v1/nodes/${NODE_NAME}`);
      return r.status === 200 && JSON.parse(r.body).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    }, 240_000);
    // A pod needs its namespace's default ServiceAccount, which the controller manager creates.
    await waitFor('default ServiceAccount', async () => (await request(url, admin, 'GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200, 60_000);

    const pathDir = path.join(R, 'path');
    mkdirSync(pathDir);
    symlinkSync(path.join(bin, 'kube'), path.join(pathDir, 'kubectl'));
    const control = path.join(R, 'control.sock');
    serveControl(control, controlHandler({
      initial, apiArgs, kcmArgs, kubeletArgs, kubeletEnv,
      ready: {
        'kube-apiserver': async () => (await request(url, admin, 'GET', '/readyz')).status === 200,
        // Our own child on loopback, with the certificate it made itself: only its answer matters.
        'kube-controller-manager': async () => (await request(`https://127.0.0.1:${kcmPort}`, { rejectUnauthorized: false }, 'GET', '/healthz')).status === 200,
        // Ready, and a lease renewed since `since`: after a short stop the condition may still say
        // True from before, while a renewal shows this kubelet runs (pkg/kubelet/kubelet.go, nodeLeaseController).
        kubelet: async (since) => {
          const n = await request(url, admin, 'GET', `/api/v1/nodes/${NODE_NAME}`);
          const l = await request(url, admin, 'GET', `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${NODE_NAME}`);
          return n.status === 200 && JSON.parse(n.body).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
            && l.status === 200 && microTime(JSON.parse(l.body).spec?.renewTime) >= since;
        },
      },
    }));
    const dist = path.join(repo, 'dist');
    writeFileSync(`${opts.kubeconfig}.env`,
      `# The real cluster's kubectl (${out}) and this checkout's plugin, first on PATH; its control channel.\n` +
      `export KUBECONFIG=${shq(opts.kubeconfig)}\nexport PATH=${shq(pathDir)}:${shq(dist)}:"$PATH"\n` +
      `export SATOKEN_REAL_CONTROL=${shq(control)}\n`);
    log(`node ${NODE_NAME} Ready after ${((Date.now() - started) / 1000).toFixed(1)} s; images ${PAUSE_IMAGE}, ${BUSYBOX_IMAGE}`);
    process.stdout.write(`ready ${url}\n`);
  } catch (e) {
    if (!stopping) {
      process.stderr.write(`error: ${e.message}\n`);
      await stop(1);
    }
  }
}
