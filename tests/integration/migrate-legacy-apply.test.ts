/**
 * migrate-legacy --apply never loses data: a Secret a pod or a pod template uses (even one created
 * after the scan) is never deleted; backups are fresh, private, and never written through a planted
 * link or into a directory others can write; hostile names never leave the plan directory or
 * address another object. Each test has its own emulator (apply changes the cluster).
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { start, type Emulator } from '../apiserver';
import { cli } from '../support/cli';
import { migrateLegacyCommand } from '../../src/cli/commands/migrate-legacy';

const NOW = new Date('2026-11-28T12:00:00Z');
const NS = 'legacy';
const old = '2021-03-01T00:00:00Z';

function sa(name: string, secrets: string[] = [name + '-token']) {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: NS, uid: `uid-${name}`, creationTimestamp: old }, secrets: secrets.map((s) => ({ name: s })) };
}
/** An auto-generated, never used token Secret: without a user, the plan deletes it. */
function tokenSecret(name: string, saName: string, data: Record<string, string> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/service-account-token',
    metadata: { name, namespace: NS, creationTimestamp: old, annotations: { 'kubernetes.io/service-account.name': saName, 'kubernetes.io/service-account.uid': `uid-${saName}` } },
    data: { token: Buffer.from(`token-of-${name}`).toString('base64'), ...data },
  };
}
const base = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'kube-apiserver-legacy-service-account-token-tracking', namespace: 'kube-system' },
    data: { since: '2024-01-10' },
  },
  sa('old-app'),
  tokenSecret('old-app-token', 'old-app'),
];

const emulators: Emulator[] = [];
async function cluster(extra: unknown[] = []): Promise<Emulator> {
  const k = await start({ now: NOW, objects: structuredClone([...base, ...extra]) as any });
  emulators.push(k);
  return k;
}
afterAll(async () => {
  for (const k of emulators) await k.stop();
});

const work = mkdtempSync(path.join(tmpdir(), 'satoken-apply-'));
let dirs = 0;
/** A fresh private directory path under the test's work dir (not created). */
const fresh = (name: string) => path.join(work, `${name}-${dirs++}`);

const run = (k: Emulator, args: string[], opts: { stdin?: string; terminal?: boolean } = {}) =>
  cli(args, { kubeconfig: k.kubeconfigPath, clock: () => NOW, commands: [migrateLegacyCommand], ...opts });

async function secretExists(k: Emulator, name: string): Promise<boolean> {
  return (await k.adminRequest('GET', `/api/v1/namespaces/${NS}/secrets/${name}`)).status === 200;
}

const applied = (stdout: string) => Object.fromEntries(JSON.parse(stdout).applied.results.map((x: any) => [`${x.secret} ${x.step}`, `${x.result}: ${x.why}`]));

describe('a Secret in use is never deleted', () => {
  test('a pod created after the scan that references the Secret stops its deletion', async () => {
    const k = await cluster();
    let created = false;
    // The apply's re-read of the Secret comes after the scan and the plan: the pod appears then.
    k.cluster.beforeRequest.push(async ({ method, path: p }) => {
      if (created || method !== 'GET' || p !== `/api/v1/namespaces/${NS}/secrets/old-app-token`) return;
      created = true;
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'late', namespace: NS },
        spec: {
          serviceAccountName: 'old-app',
          containers: [{ name: 'app', image: 'busybox', env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'old-app-token', key: 'token' } } }] }],
        },
      };
      const r = await k.adminRequest('POST', `/api/v1/namespaces/${NS}/pods`, pod);
      if (r.status !== 201) throw new Error(`creating the pod: ${r.status} ${JSON.stringify(r.body)}`);
    });
    const r = await run(k, ['migrate-legacy', '-n', NS, '--apply', '--yes', '--backup-dir', fresh('backup'), '-o', 'json']);
    // The fresh LIST of the namespace's pods is the last request before a DELETE would be sent.
    const sent = k.requests.map((q) => `${q.method} ${q.path.split('?')[0]}`);
    expect(sent.filter((s) => s.startsWith('DELETE'))).toEqual([]);
    expect(sent[sent.length - 1]).toBe(`GET /api/v1/namespaces/${NS}/pods`);
    expect(created).toBe(true);
    expect(await secretExists(k, 'old-app-token')).toBe(true);
    expect(applied(r.stdout)['old-app-token delete secret/old-app-token']).toMatch(/^skipped: now used by pod\/late/);
  });

  test('a Deployment created after the scan whose template uses the Secret stops its deletion', async () => {
    const k = await cluster();
    let created = false;
    k.cluster.beforeRequest.push(async ({ method, path: p }) => {
      if (created || method !== 'GET' || p !== `/api/v1/namespaces/${NS}/secrets/old-app-token`) return;
      created = true;
      const r = await k.adminRequest('POST', `/apis/apps/v1/namespaces/${NS}/deployments`, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'late', namespace: NS },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'late' } },
          template: {
            metadata: { labels: { app: 'late' } },
            spec: { containers: [{ name: 'app', image: 'busybox' }], volumes: [{ name: 't', projected: { sources: [{ secret: { name: 'old-app-token' } }] } }] },
          },
        },
      });
      if (r.status !== 201) throw new Error(`creating the deployment: ${r.status} ${JSON.stringify(r.body)}`);
    });
    const r = await run(k, ['migrate-legacy', '-n', NS, '--apply', '--yes', '--backup-dir', fresh('backup'), '-o', 'json']);
    expect(created).toBe(true);
    expect(await secretExists(k, 'old-app-token')).toBe(true);
    expect(applied(r.stdout)['old-app-token delete secret/old-app-token']).toMatch(/^skipped: now used by the pod template of deployment\/late \(0 replicas\)/);
  });

  test('a Deployment scaled to 0 and a CronJob that reference token Secrets keep them; the report names them', async () => {
    const idleTemplate = {
      metadata: { labels: { app: 'idle' } },
      spec: { serviceAccountName: 'idle', containers: [{ name: 'app', image: 'busybox' }], volumes: [{ name: 'token', secret: { secretName: 'idle-token' } }] },
    };
    const k = await cluster([
      sa('idle'),
      tokenSecret('idle-token', 'idle'),
      sa('nightly'),
      tokenSecret('nightly-token', 'nightly'),
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'idle', namespace: NS },
        spec: { replicas: 0, selector: { matchLabels: { app: 'idle' } }, template: idleTemplate },
      },
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'nightly', namespace: NS },
        spec: {
          schedule: '0 3 * * *',
          jobTemplate: {
            spec: {
              template: {
                spec: {
                  restartPolicy: 'OnFailure',
                  initContainers: [{ name: 'init', image: 'busybox', envFrom: [{ secretRef: { name: 'nightly-token' } }] }],
                  containers: [{ name: 'job', image: 'busybox' }],
                },
              },
            },
          },
        },
      },
    ]);
    const wide = await run(k, ['migrate-legacy', '-n', NS, '-o', 'wide']);
    expect(wide.code).toBe(0);
    const line = (name: string) => wide.stdout.split('\n').find((l) => l.includes(name)) ?? '';
    expect(line('idle-token')).toMatch(/ switch-to-projected +used by the pod template of deployment\/idle \(0 replicas\)/);
    expect(line('nightly-token')).toMatch(/ switch-to-projected +used by the pod template of cronjob\/nightly/);

    const json = JSON.parse((await run(k, ['migrate-legacy', '-n', NS, '-o', 'json'])).stdout);
    const byName = Object.fromEntries(json.items.map((i: any) => [i.secret, i]));
    expect(byName['idle-token'].templateReferencedBy).toEqual([
      { kind: 'Deployment', name: 'idle', namespace: NS, apiVersion: 'apps/v1', how: 'volume token', kindOfUse: 'volume', replicas: 0 },
    ]);
    expect(byName['nightly-token'].templateReferencedBy[0]).toMatchObject({ kind: 'CronJob', name: 'nightly', how: 'envFrom (container init)', kindOfUse: 'env' });

    const r = await run(k, ['migrate-legacy', '-n', NS, '--apply', '--yes', '--backup-dir', fresh('backup'), '-o', 'json']);
    expect(r.stderr).not.toMatch(/^error/m);
    expect(await secretExists(k, 'idle-token')).toBe(true);
    expect(await secretExists(k, 'nightly-token')).toBe(true);
    // The unused one still goes: the rule is about use, not about deleting less.
    expect(await secretExists(k, 'old-app-token')).toBe(false);
    const steps = JSON.parse(r.stdout).applied.results.map((x: any) => x.step);
    expect(steps).not.toContain('delete secret/idle-token');
    expect(steps).not.toContain('delete secret/nightly-token');
    // The Deployment's template gets the projected volume instead.
    const dep = (await k.adminRequest('GET', `/apis/apps/v1/namespaces/${NS}/deployments/idle`)).body;
    expect(dep.spec.template.spec.volumes[0].projected).toBeDefined();
  });
});

test('a Deployment and a CronJob reading the Secret through env: the plan says to change the app, not to swap a volume they have not got', async () => {
  const envTemplate = (app: string, secret: string) => ({
    metadata: { labels: { app } },
    spec: { serviceAccountName: app, containers: [{ name: 'app', image: 'busybox', env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: secret, key: 'token' } } }] }] },
  });
  const k = await cluster([
    sa('worker'),
    tokenSecret('worker-token', 'worker'),
    sa('nightly'),
    tokenSecret('nightly-token', 'nightly'),
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'worker', namespace: NS },
      spec: { replicas: 0, selector: { matchLabels: { app: 'worker' } }, template: envTemplate('worker', 'worker-token') },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly', namespace: NS },
      spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { ...envTemplate('nightly', 'nightly-token').spec, restartPolicy: 'OnFailure' } } } } },
    },
  ]);
  const planDir = fresh('plan');
  const r = await run(k, ['migrate-legacy', '-n', NS, '--plan-dir', planDir, '-o', 'json']);
  expect(r.code).toBe(0);
  const plan = JSON.parse(readFileSync(path.join(planDir, 'plan.json'), 'utf8'));
  const steps = Object.fromEntries(plan.items.map((i: any) => [i.secret, i.steps]));
  expect(steps['worker-token']).toEqual([
    { type: 'manual', what: 'change the app to read /var/run/secrets/kubernetes.io/serviceaccount/token instead of the env var (deployment/worker env TOKEN (container app))' },
  ]);
  expect(steps['nightly-token']).toEqual([
    { type: 'manual', what: 'change the app to read /var/run/secrets/kubernetes.io/serviceaccount/token instead of the env var (cronjob/nightly env TOKEN (container app))' },
  ]);
});

test('a kind the server does not serve (404 on its LIST) has no template to check; a failing LIST stops the job', async () => {
  const k = await cluster();
  await k.adminRequest('POST', '/_emulator/faults', { pathRegex: '/replicationcontrollers', status: 404 });
  const r = await run(k, ['migrate-legacy', '-n', NS, '-o', 'json']);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).items.map((i: any) => i.action)).toEqual(['delete']);
  await k.adminRequest('POST', '/_emulator/faults', { reset: true });
  await k.adminRequest('POST', '/_emulator/faults', { pathRegex: '/cronjobs', status: 403 });
  const denied = await run(k, ['migrate-legacy', '-n', NS, '--apply', '--yes', '--backup-dir', fresh('backup')]);
  expect(denied.code).toBe(1);
  expect(denied.stderr.split('\n').filter((l) => l.startsWith('error: '))).toEqual([expect.stringMatching(/cronjobs/)]);
  expect(await secretExists(k, 'old-app-token')).toBe(true);
});

describe('backups', () => {
  test('a second --apply into the same --backup-dir after --restore and an edit backs up the newer Secret', async () => {
    const k = await cluster();
    const backup = fresh('backup');
    const file = path.join(backup, `${NS}.secret.old-app-token.json`);
    const first = await run(k, ['migrate-legacy', '-n', NS, '--apply', '--yes', '--backup-dir', backup, '-o', 'json']);
    expect(applied(first.stdout)['old-app-token delete secret/old-app-token']).toMatch(/^done/);
    expect((await run(k, ['migrate-legacy', '--restore', backup])).code).toBe(0);
    // Someone adds data to the restored Secret.
    const edit = await k.adminRequest('PATCH', `/api/v1/namespaces/${NS}/secrets/old-app-token`, { data: { note: Buffer.from('newer').toString('base64') } }, {
      'Content-Type': 'application/merge-patch+json',
    });
    expect(edit.status).toBe(200);
    const second = await run(k, ['migrate-legacy', '-n', NS, '--apply', '--yes', '--backup-dir', backup, '-o', 'json']);
    expect(applied(second.stdout)['old-app-token delete secret/old-app-token']).toMatch(/^done/);
    const copy = JSON.parse(readFileSync(file, 'utf8'));
    expect(copy.data.note).toBe(Buffer.from('newer').toString('base64'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  /** A shared backup directory: world-writable with the sticky bit, owned by this user (allowed). */
  function sharedDir(): string {
    const dir = fresh('shared');
    mkdirSync(dir);
    chmodSync(dir, 0o1777);
    return dir;
  }
  /** A world-readable file another user planted, and a link to it. */
  function plantLink(at: string): string {
    const target = path.join(work, `planted-${dirs++}`);
    writeFileSync(target, '');
    chmodSync(target, 0o644);
    symlinkSync(target, at);
    return target;
  }
  function expectPrivateBackup(file: string) {
    expect(lstatSync(file).isFile()).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(JSON.parse(readFileSync(file, 'utf8')).data.token, 'base64').toString()).toBe('token-of-old-app-token');
  }

  test('a link planted at a guessable temporary name in a shared backup directory is not followed', async () => {
    const k = await cluster();
    const backup = sharedDir();
    const file = path.join(backup, `${NS}.secret.old-app-token.json`);
    const planted = [plantLink(`${file}.tmp`), plantLink(path.join(backup, `${NS}.secret.old-app-token.restore-info.tmp`))];
    const r = await run(k, ['migrate-legacy', '-n', NS, '--apply', '--yes', '--backup-dir', backup, '-o', 'json']);
    // The token never lands in the world-readable file the links point to.
    for (const p of planted) expect(readFileSync(p, 'utf8')).toBe('');
    expect(applied(r.stdout)['old-app-token delete secret/old-app-token']).toMatch(/^done/);
    expectPrivateBackup(file);
    // No temporary file left behind.
    expect(readdirSync(backup).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  test('a link planted at the backup name itself is replaced, not taken for a backup nor written through', async () => {
    const k = await cluster();
    const backup = sharedDir();
    const file = path.join(backup, `${NS}.secret.old-app-token.json`);
    const planted = plantLink(file);
    const r = await run(k, ['migrate-legacy', '-n', NS, '--apply', '--yes', '--backup-dir', backup, '-o', 'json']);
    expect(readFileSync(planted, 'utf8')).toBe('');
    expect(applied(r.stdout)['old-app-token delete secret/old-app-token']).toMatch(/^done/);
    expectPrivateBackup(file);
  });

  test('a backup directory other users can write is refused before anything is changed', async () => {
    const k = await cluster();
    const backup = fresh('open');
    mkdirSync(backup);
    chmodSync(backup, 0o777);
    const r = await run(k, ['migrate-legacy', '-n', NS, '--apply', '--yes', '--backup-dir', backup]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: refusing --backup-dir ${backup} (writable by other users, mode 777: they could plant links or replace the backups; use a private directory)\n`);
    expect(await secretExists(k, 'old-app-token')).toBe(true);
    expect(k.requests.filter((q) => q.method === 'DELETE')).toEqual([]);
  });

  test('a backup directory created by --apply is private', async () => {
    const k = await cluster();
    const backup = fresh('made');
    const r = await run(k, ['migrate-legacy', '-n', NS, '--apply', '--yes', '--backup-dir', backup]);
    expect(r.code).toBe(0);
    expect(statSync(backup).mode & 0o777).toBe(0o700);
  });
});

describe('hostile names', () => {
  test('an ownerReference name holding /../ does not write outside --plan-dir, nor request another object', async () => {
    const escape = `x${'/..'.repeat(7)}/apis/apps/v1/namespaces/${NS}/deployments/web`;
    const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }], volumes: [{ name: 'token', secret: { secretName: 'web-token' } }] } };
    const k = await cluster([
      sa('web'),
      tokenSecret('web-token', 'web'),
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: NS }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template } },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web-1', namespace: NS, labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: escape, uid: 'u1', controller: true }] },
        spec: template.spec,
      },
    ]);
    const root = fresh('root');
    const planDir = path.join(root, 'a', 'b', 'c', 'd', 'plan');
    const r = await run(k, ['migrate-legacy', '-n', NS, '--plan-dir', planDir]);
    expect(r.code).toBe(0);
    const written: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else written.push(path.relative(root, p));
      }
    };
    walk(root);
    expect(written.filter((f) => !f.startsWith(path.join('a', 'b', 'c', 'd', 'plan') + path.sep))).toEqual([]);
    expect(existsSync(path.join(planDir, NS, 'web-token', 'deployment-web.patch.json'))).toBe(true);
    expect(readFileSync(path.join(planDir, 'PLAN.md'), 'utf8')).toMatch(/has a name Kubernetes would refuse/);
    // The hostile name was never sent: no request for a path the client would have normalised.
    expect(k.requests.filter((q) => q.path.includes('x/') || q.path.includes('%2F..'))).toEqual([]);
  });

  test('Secret names holding / or % never reach a URL, so no request resolves to another object', async () => {
    const k = await cluster([
      sa('keep', []),
      // A manual token the plan keeps: a hostile name must not make a request that lands on it.
      tokenSecret('keep-token', 'keep'),
      sa('evil', ['x/../keep-token', 'y%2F..%2Fkeep-token']),
      tokenSecret('x/../keep-token', 'evil'),
      tokenSecret('y%2F..%2Fkeep-token', 'evil'),
    ]);
    const r = await run(k, ['migrate-legacy', '-n', NS, '--apply', '--yes', '--backup-dir', fresh('backup'), '-o', 'json']);
    const single = k.requests.filter((q) => /^\/api\/v1\/namespaces\/[^/?]+\/secrets\/./.test(q.path)).map((q) => `${q.method} ${q.path}`);
    // Only the deletable token is addressed by name.
    expect(single).toEqual([`GET /api/v1/namespaces/${NS}/secrets/old-app-token`, `DELETE /api/v1/namespaces/${NS}/secrets/old-app-token`]);
    expect(r.stderr).not.toMatch(/^error/m);
    const items = Object.fromEntries(JSON.parse(r.stdout).items.map((i: any) => [i.secret, i]));
    expect(items['x/../keep-token'].action).toBe('review');
    expect(items['x/../keep-token'].reason).toMatch(/not a valid Kubernetes object name/);
    expect(items['y%2F..%2Fkeep-token'].action).toBe('review');
    expect(await secretExists(k, 'keep-token')).toBe(true);
  });
});

describe('the question', () => {
  test('the changes are shown before [y/N]; no answer, no change', async () => {
    const k = await cluster();
    const r = await run(k, ['migrate-legacy', '-n', NS, '--apply', '--backup-dir', fresh('backup')], { stdin: 'n\n', terminal: true });
    expect(r.code).toBe(0);
    const asked = r.stderr.indexOf('[y/N]');
    expect(asked).toBeGreaterThan(0);
    const before = r.stderr.slice(0, asked);
    expect(before).toMatch(/legacy\/old-app-token\s+delete secret\/old-app-token/);
    expect(r.stderr).toMatch(/not applied: not confirmed/);
    expect(await secretExists(k, 'old-app-token')).toBe(true);
  });

  test('answered yes, it applies what it showed', async () => {
    const k = await cluster();
    const r = await run(k, ['migrate-legacy', '-n', NS, '--apply', '--backup-dir', fresh('backup')], { stdin: 'y\n', terminal: true });
    expect(r.code).toBe(0);
    expect(r.stderr.indexOf('delete secret/old-app-token')).toBeLessThan(r.stderr.indexOf('[y/N]'));
    expect(await secretExists(k, 'old-app-token')).toBe(false);
  });
});

describe('plan files', () => {
  test('a link planted in --plan-dir is replaced, not written through; the files are private', async () => {
    const k = await cluster();
    const planDir = fresh('plan');
    mkdirSync(planDir, { mode: 0o700 });
    const target = path.join(work, `target-${dirs++}`);
    writeFileSync(target, '');
    symlinkSync(target, path.join(planDir, 'PLAN.md'));
    const r = await run(k, ['migrate-legacy', '-n', NS, '--plan-dir', planDir]);
    expect(r.code).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe('');
    expect(lstatSync(path.join(planDir, 'PLAN.md')).isSymbolicLink()).toBe(false);
    expect(statSync(path.join(planDir, 'PLAN.md')).mode & 0o777).toBe(0o600);
  });

  test('a --plan-dir other users can write is refused before the scan', async () => {
    const k = await cluster();
    const planDir = fresh('open-plan');
    mkdirSync(planDir);
    chmodSync(planDir, 0o777);
    const mark = k.requests.length;
    const r = await run(k, ['migrate-legacy', '-n', NS, '--plan-dir', planDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: refusing --plan-dir ${planDir} (writable by other users, mode 777: they could plant links or replace the plan files; use a private directory)\n`);
    expect(readdirSync(planDir)).toEqual([]);
    expect(k.requests.length).toBe(mark);
  });
});
