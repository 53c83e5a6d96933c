/**
 * migrate-legacy against the emulator, seeded with an upgraded cluster's mix of legacy tokens:
 * auto-generated unused, mounted by a Deployment's pods, used from outside, manual long-lived,
 * already invalidated. Real HTTPS, real kubeconfig, real client-node, the cli in-process.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { start, type Emulator } from '../apiserver';
import { cli } from '../support/cli';
import { migrateLegacyCommand } from '../../src/cli/commands/migrate-legacy';
import { findKubectl } from '../support/kubectl';

const NOW = new Date('2026-11-28T12:00:00Z');
const NS = 'legacy';
const old = '2021-03-01T00:00:00Z';

function sa(name: string, uid: string, secrets: string[] = []) {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: NS, uid, creationTimestamp: old }, secrets: secrets.map((s) => ({ name: s })) };
}
function tokenSecret(name: string, saName: string, saUid: string, labels: Record<string, string> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/service-account-token',
    metadata: { name, namespace: NS, creationTimestamp: old, labels, annotations: { 'kubernetes.io/service-account.name': saName, 'kubernetes.io/service-account.uid': saUid } },
  };
}
const podTemplate = {
  metadata: { labels: { app: 'web' } },
  spec: {
    serviceAccountName: 'web',
    containers: [{ name: 'web', image: 'nginx', volumeMounts: [{ name: 'token', mountPath: '/var/run/secrets/legacy' }] }],
    volumes: [{ name: 'token', secret: { secretName: 'web-token-bbbbb' } }],
  },
};

export const upgradedCluster = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'kube-apiserver-legacy-service-account-token-tracking', namespace: 'kube-system' },
    data: { since: '2024-01-10' },
  },
  sa('old-app', 'uid-old-app', ['old-app-token-aaaaa']),
  tokenSecret('old-app-token-aaaaa', 'old-app', 'uid-old-app'),
  sa('web', 'uid-web', ['web-token-bbbbb']),
  tokenSecret('web-token-bbbbb', 'web', 'uid-web'),
  sa('ci', 'uid-ci', ['ci-token-ccccc']),
  tokenSecret('ci-token-ccccc', 'ci', 'uid-ci', { 'kubernetes.io/legacy-token-last-used': '2026-11-25' }),
  sa('backup', 'uid-backup'),
  tokenSecret('backup-token', 'backup', 'uid-backup'),
  sa('gone', 'uid-gone', ['gone-token-ddddd']),
  tokenSecret('gone-token-ddddd', 'gone', 'uid-gone', { 'kubernetes.io/legacy-token-invalid-since': '2026-02-01' }),
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: NS, uid: 'uid-dep-web' },
    spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: podTemplate },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: 'web-5d8f7',
      namespace: NS,
      uid: 'uid-rs-web',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-dep-web', controller: true }],
    },
    spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: podTemplate },
  },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-5d8f7-x2x9q',
      namespace: NS,
      labels: { app: 'web' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f7', uid: 'uid-rs-web', controller: true }],
    },
    spec: podTemplate.spec,
  },
];

let k: Emulator;
let work: string;
beforeAll(async () => {
  k = await start({ now: NOW, objects: structuredClone(upgradedCluster) as any });
  work = mkdtempSync(path.join(tmpdir(), 'satoken-migrate-'));
});
afterAll(() => k?.stop());

const run = (...args: string[]) => cli(args, { kubeconfig: k.kubeconfigPath, clock: () => NOW, commands: [migrateLegacyCommand] });

test('the report names the right action for each class of token, riskiest first', async () => {
  const r = await run('migrate-legacy', '-n', NS, '-o', 'json');
  expect(r.stderr).toMatch(/dry run: nothing was changed/);
  const report = JSON.parse(r.stdout);
  expect(report.kind).toBe('LegacyTokenReport');
  const actions = Object.fromEntries(report.items.map((i: any) => [i.secret, i.action]));
  expect(actions).toEqual({
    'web-token-bbbbb': 'switch-to-projected',
    'ci-token-ccccc': 'replace-with-tokenrequest',
    'old-app-token-aaaaa': 'delete',
    'gone-token-ddddd': 'delete',
    'backup-token': 'keep',
  });
  expect(report.items[0].secret).toBe('web-token-bbbbb');
  const web = report.items[0];
  expect(web.owners).toEqual([{ kind: 'Deployment', name: 'web', namespace: NS, apiVersion: 'apps/v1' }]);
  expect(web.mountedBy).toEqual([{ namespace: NS, name: 'web-5d8f7-x2x9q', how: 'volume token' }]);
  // No token value travels into the report.
  expect(r.stdout).not.toMatch(/eyJ/);
});

test('scans with a few paginated LISTs, never a request per object', async () => {
  const before = k.requests.length;
  const r = await run('migrate-legacy', '-A', '--chunk-size', '2', '-o', 'json');
  expect(r.code).toBe(0);
  const sent = k.requests.slice(before).map((q) => `${q.method} ${q.path.split('?')[0]}`);
  const perObjectReads = sent.filter((s) => /\/(secrets|pods|serviceaccounts)\/[^/]+$/.test(s));
  expect(perObjectReads).toEqual([]);
  expect(sent.filter((s) => s === 'GET /api/v1/secrets').length).toBeGreaterThan(1); // paginated by 2
});

test('--plan-dir manifests apply cleanly with real kubectl', async () => {
  const dir = path.join(work, 'plan');
  const r = await run('migrate-legacy', '-n', NS, '--plan-dir', dir);
  expect(r.code).toBe(0);
  expect(readFileSync(path.join(dir, 'PLAN.md'), 'utf8')).toMatch(/## legacy\/web-token-bbbbb: switch-to-projected/);
  const plan = JSON.parse(readFileSync(path.join(dir, 'plan.json'), 'utf8'));
  expect(plan.kind).toBe('LegacyTokenPlan');
  const patchFile = path.join(dir, NS, 'web-token-bbbbb', 'deployment-web.patch.json');
  const patch = JSON.parse(readFileSync(patchFile, 'utf8'));
  expect(patch[1].value.projected.sources[0]).toEqual({ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } });
  expect(readdirSync(path.join(dir, NS, 'old-app-token-aaaaa'))).toEqual(['secret.delete.yaml']);

  const kubectl = findKubectl();
  if (!kubectl) {
    console.warn('skipping the kubectl half: no kubectl >= 1.28 on PATH');
    return;
  }
  // A second emulator with the same objects, so this test's changes stay apart from the others'.
  const k2 = await start({ now: NOW, objects: structuredClone(upgradedCluster) as any });
  try {
    const env = { ...process.env, KUBECONFIG: k2.kubeconfigPath };
    // Async: the emulator serves from this same process.
    await promisify(execFile)(kubectl, ['patch', 'deployment', 'web', '-n', NS, '--type', 'json', '--patch-file', patchFile], { env, cwd: dir });
    await promisify(execFile)(kubectl, ['delete', '-f', path.join(NS, 'old-app-token-aaaaa', 'secret.delete.yaml')], { env, cwd: dir });
    const dep = (await k2.adminRequest('GET', `/apis/apps/v1/namespaces/${NS}/deployments/web`)).body;
    expect(dep.spec.template.spec.volumes[0]).toEqual(patch[1].value);
    expect((await k2.adminRequest('GET', `/api/v1/namespaces/${NS}/secrets/old-app-token-aaaaa`)).status).toBe(404);
  } finally {
    await k2.stop();
  }
});

test('--apply leaves only the tokens that must stay, backs up every removal, and --restore brings them back', async () => {
  const backup = path.join(work, 'backup');
  const r = await run('migrate-legacy', '-n', NS, '--apply', '--yes', '--backup-dir', backup, '-o', 'json');
  expect(r.stderr).not.toMatch(/error/);
  expect(JSON.parse(r.stdout).applied.results.filter((x: any) => x.result === 'failed')).toEqual([]);
  expect(r.code).toBe(0);
  const applied = JSON.parse(r.stdout).applied.results;
  const byStep = Object.fromEntries(applied.map((x: any) => [`${x.secret} ${x.step}`, x.result]));
  expect(byStep).toMatchObject({
    'web-token-bbbbb patch deployment/web': 'done',
    'old-app-token-aaaaa delete secret/old-app-token-aaaaa': 'done',
    'gone-token-ddddd delete secret/gone-token-ddddd': 'done',
  });
  const left = (await k.adminRequest('GET', `/api/v1/namespaces/${NS}/secrets`)).body.items
    .filter((s: any) => s.type === 'kubernetes.io/service-account-token')
    .map((s: any) => s.metadata.name)
    .sort();
  // web's pods still mount it until they roll out; ci's was used 3 days ago; backup's is manual.
  expect(left).toEqual(['backup-token', 'ci-token-ccccc', 'web-token-bbbbb']);
  const dep = (await k.adminRequest('GET', `/apis/apps/v1/namespaces/${NS}/deployments/web`)).body;
  expect(dep.spec.template.spec.volumes[0].projected).toBeDefined();
  const files = readdirSync(backup).filter((f) => f.endsWith('.json')).sort();
  expect(files).toEqual([`${NS}.deployment.web.json`, `${NS}.secret.gone-token-ddddd.json`, `${NS}.secret.old-app-token-aaaaa.json`]);
  for (const f of files) expect(statSync(path.join(backup, f)).mode & 0o777).toBe(0o600);

  const again = await run('migrate-legacy', '-n', NS, '--apply', '--yes', '--backup-dir', path.join(work, 'backup2'), '-o', 'json');
  expect(again.code).toBe(0); // converges: nothing left that may be removed

  const restored = await run('migrate-legacy', '--restore', backup, '-o', 'json');
  expect(restored.code).toBe(0);
  const back = (await k.adminRequest('GET', `/api/v1/namespaces/${NS}/secrets/old-app-token-aaaaa`)).body;
  expect(back.metadata.name).toBe('old-app-token-aaaaa');
  const sa = (await k.adminRequest('GET', `/api/v1/namespaces/${NS}/serviceaccounts/old-app`)).body;
  expect(sa.secrets.map((s: any) => s.name)).toContain('old-app-token-aaaaa');
  const depBack = (await k.adminRequest('GET', `/apis/apps/v1/namespaces/${NS}/deployments/web`)).body;
  expect(depBack.spec.template.spec.volumes[0].secret.secretName).toBe('web-token-bbbbb');
});
