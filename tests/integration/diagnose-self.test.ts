/**
 * diagnose --self: run as the pod itself — in-cluster config from its own service-account files
 * (here a temporary copy of a demo pod's files), no kubeconfig, the permissions of its own token.
 */
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { diagnoseOptions } from '../../src/commands/diagnose/options';
import { runDiagnose } from '../../src/commands/diagnose/run';
import type { Deps } from '../../src/commands/types';
import { connect } from '../../src/kube/connect';
import { start, type Emulator } from '../apiserver';
import { podIn } from './diagnose-support';

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
let k: Emulator;
let dir: string;
beforeAll(async () => {
  k = await start({ scenarios: 'demo' });
});
afterAll(async () => {
  await k.stop();
});
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'satoken-self-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The pod's own files, as its container sees them, copied to `dir`. */
function copyServiceAccountFiles(ns: string, pod: string): void {
  const fs = (k as any).kubelet.fileSystem(ns, pod, 'app');
  const now = BigInt(k.clock.now().getTime()) * 1_000_000n;
  for (const f of ['token', 'namespace']) {
    // Times as the container sees them (read them before reading the content, which moves atime).
    const inode = fs.lookup(`${SA_DIR}/${f}`, true);
    const [atime, mtime] = [Number(inode.atime / 1_000_000n) / 1000, Number(inode.mtime / 1_000_000n) / 1000];
    writeFileSync(path.join(dir, f), fs.read(`${SA_DIR}/${f}`, now));
    utimesSync(path.join(dir, f), atime, mtime);
  }
  // The in-cluster client must trust the emulator's own CA.
  writeFileSync(path.join(dir, 'ca.crt'), k.caPem);
}

/** Connects in-cluster from `dir`; reads the files to diagnose from `selfDir`. */
async function selfDiagnose(pod: string, selfDir = dir) {
  const env = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: new URL(k.url).port, POD_NAME: pod };
  const signal = new AbortController().signal;
  const deps: Deps = {
    clock: () => k.clock.now(),
    io: {
      readFile: (p: string) => readFile(p),
      exists: async (p: string) => statSync(p, { throwIfNoEntry: false }) !== undefined,
    } as unknown as Deps['io'],
    kube: () => connect({ requestTimeoutMs: 10_000 }, env, signal, { serviceAccountDir: dir }),
    progress: () => {},
    env,
  };
  const options = { ...diagnoseOptions({ self: true, env, selfDir }), stat: async (p: string) => {
    const s = await stat(p);
    return { size: s.size, atime: s.atime, mtime: s.mtime };
  } };
  return runDiagnose(options, deps);
}

test('a healthy pod diagnoses itself with its own token: what it may not read skips, naming the permission', async () => {
  const ns = 'diag-healthy';
  const pod = podIn(k, ns);
  copyServiceAccountFiles(ns, pod);
  const before = k.requests.length;
  const { result, problem } = await selfDiagnose(pod);
  expect(result.kind).toBe('Diagnosis');
  const r = result as any;
  expect(r.pod).toMatchObject({ namespace: ns, name: pod, serviceAccountName: 'app' });
  expect(problem).toBe(false);
  expect(r.status).toBe('healthy');
  const byId = Object.fromEntries(r.checks.map((c: any) => [c.id, c]));
  expect(byId['token-claims'].status).toBe('pass');
  // No `create tokenreviews` for a plain ServiceAccount: the token proves itself.
  expect(byId['token-authenticates'].evidence).toContain('via: SelfSubjectReview as the token');
  expect(byId['serviceaccount-exists'].message).toMatch(/^not permitted: get serviceaccounts in diag-healthy/);
  expect(byId['node-ready'].message).toMatch(/^not permitted: get nodes/);
  // Every request went out as the pod's ServiceAccount.
  expect(new Set(k.requests.slice(before).map((q) => q.user))).toEqual(new Set([`system:serviceaccount:${ns}:app`]));
});

test('a pod that may not read itself still gets the token checks, and what it may not do as information', async () => {
  const ns = 'diag-forbidden';
  const pod = podIn(k, ns);
  copyServiceAccountFiles(ns, pod);
  const { result } = await selfDiagnose(pod);
  const r = result as any;
  // What it may not do is information (no --can): its token works, so it is healthy.
  expect(r.status).toBe('healthy');
  expect(r.checks.find((c: any) => c.id === 'rbac')).toMatchObject({ status: 'pass', message: expect.stringMatching(/^the token may not list pods in diag-forbidden \(information/) });
  const byId = Object.fromEntries(r.checks.map((c: any) => [c.id, c]));
  expect(byId.automount.message).toMatch(/^not permitted: get pods in diag-forbidden/);
  expect(byId['token-claims'].status).toBe('pass');
  expect(byId['token-authenticates'].status).toBe('pass');
});

test('the token file missing from the directory: token-mounted fails', async () => {
  const ns = 'diag-healthy';
  const pod = podIn(k, ns);
  copyServiceAccountFiles(ns, pod);
  // The in-cluster client connects with the files in `dir`; the diagnosed directory has no token.
  const other = mkdtempSync(path.join(tmpdir(), 'satoken-self-empty-'));
  try {
    writeFileSync(path.join(other, 'namespace'), ns);
    const { result, problem } = await selfDiagnose(pod, other);
    const mounted = (result as any).checks.find((c: any) => c.id === 'token-mounted');
    expect(mounted.status).toBe('fail');
    expect(problem).toBe(true);
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});

test('--self outside a pod (no KUBERNETES_SERVICE_HOST, no token file): one line saying so, before any connection', async () => {
  const empty = mkdtempSync(path.join(tmpdir(), 'satoken-self-workstation-'));
  try {
    let connected = false;
    const deps = {
      clock: () => k.clock.now(),
      io: { readFile: (p: string) => readFile(p), exists: async (p: string) => statSync(p, { throwIfNoEntry: false }) !== undefined } as unknown as Deps['io'],
      kube: async () => {
        connected = true;
        throw new Error('must not connect');
      },
      progress: () => {},
      env: { HOME: '/home/dev' },
    } as unknown as Deps;
    const options = diagnoseOptions({ self: true, env: deps.env, selfDir: empty });
    const err = await runDiagnose(options, deps).then(
      () => undefined,
      (e: unknown) => e as Error & { exitCode?: number; hint?: string },
    );
    expect(err?.message).toBe(`--self: not running in a pod (KUBERNETES_SERVICE_HOST is unset and ${empty}/token does not exist)`);
    expect(err?.message).not.toContain('\n');
    expect(err?.exitCode).toBe(1);
    expect(err?.hint).toMatch(/kubectl satoken diagnose POD -n NAMESPACE/);
    expect(connected).toBe(false);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
