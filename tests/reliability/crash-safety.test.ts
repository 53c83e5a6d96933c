/**
 * migrate-legacy --apply survives kill -9 at any point. The built plugin runs as a child process
 * against the emulator in another child process (`scripts/cluster.mjs`, with latency to widen the
 * windows), seeded with 60 deletable legacy token Secrets and some that must stay. The plugin is
 * killed at seeded random moments during `--apply --yes --backup-dir D` (a new D each time), then
 * run to the end: at the end only the must-stay tokens remain, and every deleted Secret has a
 * complete backup (its token included, mode 0600) in one of the directories.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { adminClient } from './support/admin-client';
import { bundle } from './support/bundle';
import { rng } from '../support/rng';

const SEED = process.env.CRASH_SEED ? Number(process.env.CRASH_SEED) : 9_20261128;
const KILLS = 20;
const NS = 'legacy';
const DELETABLE = 60;
const old = '2021-03-01T00:00:00Z';
const ROOT = path.join(__dirname, '..', '..');


function tokenSecret(name: string, sa: string, labels: Record<string, string> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/service-account-token',
    metadata: { name, namespace: NS, creationTimestamp: old, labels, annotations: { 'kubernetes.io/service-account.name': sa, 'kubernetes.io/service-account.uid': `uid-${sa}` } },
  };
}
const sa = (name: string, secrets: string[]) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: NS, uid: `uid-${name}`, creationTimestamp: old }, secrets: secrets.map((s) => ({ name: s })) });

const deletable = Array.from({ length: DELETABLE }, (_, i) => `old-${String(i).padStart(2, '0')}-token`);
const recent = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
/** Must stay: used two days ago (auto-generated), manual (not listed by its ServiceAccount), mounted by a bare pod. */
const MUST_STAY = ['ci-token', 'backup-token', 'mounted-token'];
const objects = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-apiserver-legacy-service-account-token-tracking', namespace: 'kube-system' }, data: { since: '2024-01-10' } },
  ...deletable.flatMap((s, i) => [sa(`old-${i}`, [s]), tokenSecret(s, `old-${i}`)]),
  sa('ci', ['ci-token']),
  tokenSecret('ci-token', 'ci', { 'kubernetes.io/legacy-token-last-used': recent }),
  sa('backup', []),
  tokenSecret('backup-token', 'backup'),
  sa('mounted', ['mounted-token']),
  tokenSecret('mounted-token', 'mounted'),
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'uses-mounted', namespace: NS },
    spec: { serviceAccountName: 'mounted', containers: [{ name: 'app', image: 'busybox', volumeMounts: [{ name: 't', mountPath: '/t' }] }], volumes: [{ name: 't', secret: { secretName: 'mounted-token' } }] },
  },
];

let work: string;
let cluster: ChildProcess;
let kubeconfig: string;
let admin: ReturnType<typeof adminClient>;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'satoken-crash-'));
  kubeconfig = path.join(work, 'kubeconfig');
  const objectsFile = path.join(work, 'objects.json');
  writeFileSync(objectsFile, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  bundle();
  cluster = spawn(process.execPath, [path.join(ROOT, 'scripts', 'cluster.mjs'), '--kubeconfig', kubeconfig, '--objects', objectsFile, '--latency-ms', '40'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  cluster.stderr!.on('data', (c) => (err += c));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the emulator did not start: ${err}`)), 60_000);
    cluster.stdout!.on('data', (c: Buffer) => {
      if (String(c).includes('ready ')) {
        clearTimeout(t);
        resolve();
      }
    });
    cluster.on('exit', (code) => reject(new Error(`the emulator exited (${code}): ${err}`)));
  });
  admin = adminClient(kubeconfig);
}, 90_000);

afterAll(async () => {
  if (cluster && cluster.exitCode === null) {
    cluster.kill('SIGTERM');
    await new Promise((r) => cluster.once('exit', r));
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

interface PluginRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The plugin's --apply into `dir`, killed with SIGKILL after `killAfterMs` (undefined: runs to the end). */
function apply(dir: string, killAfterMs?: number): Promise<PluginRun> {
  const child = spawn(process.execPath, [bundle(), 'migrate-legacy', '-n', NS, '--apply', '--yes', '--backup-dir', dir, '--request-timeout', '10s', '-o', 'json'], {
    env: { ...process.env, KUBECONFIG: kubeconfig, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
}

async function tokenSecretsLeft(): Promise<string[]> {
  const r = await admin('GET', `/api/v1/namespaces/${NS}/secrets`);
  return r.body.items.filter((s: any) => s.type === 'kubernetes.io/service-account-token').map((s: any) => s.metadata.name).sort();
}

test(`kill -9 at ${KILLS} seeded points during --apply, rerun each time: converges, every deletion backed up (seed ${SEED})`, async () => {
  const random = rng(SEED);
  const dirs: string[] = [];
  const kills: Array<{ at: number; killed: boolean; left: number }> = [];
  // The kill window (ms after spawn) adapts to the machine's speed so that the 20 kills spread
  // over the 60 deletions: narrower when a run deleted many, wider when it deleted none.
  let window = 1000;
  let left = DELETABLE + MUST_STAY.length;
  for (let i = 0; i < KILLS; i++) {
    const dir = path.join(work, `backup-${i}`);
    dirs.push(dir);
    // From start-up (before any request) into the deletions.
    const at = Math.floor(300 + random() * window);
    const r = await apply(dir, at);
    const nowLeft = (await tokenSecretsLeft()).length;
    kills.push({ at, killed: r.signal === 'SIGKILL', left: nowLeft });
    const deleted = left - nowLeft;
    window = deleted > 4 ? Math.max(200, window * 0.7) : deleted === 0 ? Math.min(3000, window * 1.3) : window;
    left = nowLeft;
    if (r.signal !== 'SIGKILL') {
      // It finished before the kill: it must have finished cleanly.
      expect(r.stderr).not.toMatch(/^error:/m);
    }
  }
  const context = `seed ${SEED}, kills ${JSON.stringify(kills)}`;
  // Many kills must have landed mid-apply: after that run's first deletion, before its last.
  let before = DELETABLE + MUST_STAY.length;
  let midApply = 0;
  for (const k of kills) {
    if (k.killed && k.left < before && k.left > MUST_STAY.length) midApply++;
    before = k.left;
  }
  expect({ context, midApplyAtLeast8: midApply >= 8 }).toEqual({ context, midApplyAtLeast8: true });

  const finalDir = path.join(work, 'backup-final');
  dirs.push(finalDir);
  const last = await apply(finalDir);
  expect({ context, code: last.code, stderr: last.stderr }).toEqual({ context, code: 0, stderr: expect.not.stringMatching(/^error:/m) });

  // Converged: only the must-stay tokens remain; a rerun has nothing left to delete.
  expect(await tokenSecretsLeft()).toEqual([...MUST_STAY].sort());
  const again = await apply(path.join(work, 'backup-again'));
  expect(again.code).toBe(0);
  expect(again.stderr).toMatch(/nothing to apply/);

  // Every deleted Secret has a complete backup, its token included, mode 0600, in one of the directories.
  for (const name of deletable) {
    const files = dirs.map((d) => path.join(d, `${NS}.secret.${name}.json`)).filter((f) => existsSync(f));
    expect({ name, context, backups: files.length > 0 }).toEqual({ name, context, backups: true });
    for (const f of files) {
      const backup = JSON.parse(readFileSync(f, 'utf8'));
      expect(backup).toMatchObject({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name, namespace: NS } });
      expect(Buffer.from(backup.data.token, 'base64').toString('utf8')).toMatch(/^eyJ/);
      expect(statSync(f).mode & 0o777).toBe(0o600);
    }
  }
  // No half-written backup was ever taken for a complete one: leftovers are only *.tmp files.
  for (const d of dirs.filter((x) => existsSync(x))) {
    for (const f of readdirSync(d)) expect(f).toMatch(/\.(json|restore-info|tmp)$/);
  }
}, 120_000);
