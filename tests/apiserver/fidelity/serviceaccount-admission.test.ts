/**
 * The ServiceAccount admission plugin as a client sees it (issue 16 audit), through the HTTP API.
 * Upstream: plugin/pkg/admission/serviceaccount/admission.go —
 * - Admit: default `default`; a missing ServiceAccount is `admission.NewForbidden(... "error looking up
 *   service account ns/name: " + errors.NewNotFound(api.Resource("serviceaccount"), name))`;
 *   shouldAutomount: pod's field, else the ServiceAccount's, else true; the SA's imagePullSecrets when
 *   the pod has none;
 * - mountServiceAccountToken: an existing `kube-api-access-*` volume is reused (not added again);
 *   else `kube-api-access-` + names.SimpleNameGenerator's 5 characters; every init and app container
 *   without a mount at /var/run/secrets/kubernetes.io/serviceaccount gets a read-only one (ephemeral
 *   containers never do); the volume is added only when some container needed it;
 * - TokenVolumeSource: defaultMode 420, sources serviceAccountToken {expirationSeconds 3607, path
 *   token}, configMap kube-root-ca.crt [ca.crt], downwardAPI namespace ← metadata.namespace;
 * - Validate: `kubernetes.io/enforce-mountable-secrets: "true"` limits Secret references
 *   (limitSecretReferences' texts); mirror pods may not reference ServiceAccounts.
 */
import { start, type Emulator } from '../index';

let k: Emulator;
const NS = 'adm';
const MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

const createPod = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) =>
  k.adminRequest('POST', `/api/v1/namespaces/${NS}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'p-', ...metadata }, spec });
const app = { name: 'app', image: 'debian:12' };

beforeAll(async () => {
  k = await start();
  await k.adminRequest('POST', '/api/v1/namespaces', { metadata: { name: NS } });
  await k.adminRequest('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { metadata: { name: 'quiet' }, automountServiceAccountToken: false });
  await k.adminRequest('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { metadata: { name: 'pulls' }, imagePullSecrets: [{ name: 'regcred' }] });
  await k.adminRequest('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, {
    metadata: { name: 'strict', annotations: { 'kubernetes.io/enforce-mountable-secrets': 'true' } },
    secrets: [{ name: 'allowed' }],
  });
}, 60_000);
afterAll(async () => {
  await k?.stop();
});

test('TokenVolumeSource and the mounts: init and app containers, read-only, one generated name', async () => {
  const r = await createPod({ initContainers: [{ name: 'init', image: 'busybox' }], containers: [app] });
  expect(r.status).toBe(201);
  const spec = (r.body as any).spec;
  expect(spec.serviceAccountName).toBe('default');
  const vol = spec.volumes.find((v: any) => v.name.startsWith('kube-api-access-'));
  expect(vol.name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  expect(vol.projected).toEqual({
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  });
  for (const c of [...spec.initContainers, ...spec.containers]) expect(c.volumeMounts).toEqual([{ name: vol.name, readOnly: true, mountPath: MOUNT }]);
});

test('automount: the pod wins over the ServiceAccount, which wins over the default true', async () => {
  const quiet = await createPod({ serviceAccountName: 'quiet', containers: [app] });
  expect((quiet.body as any).spec.volumes ?? []).toEqual([]);
  const podSaysYes = await createPod({ serviceAccountName: 'quiet', automountServiceAccountToken: true, containers: [app] });
  expect((podSaysYes.body as any).spec.volumes.map((v: any) => v.name)).toEqual([expect.stringMatching(/^kube-api-access-/)]);
  const podSaysNo = await createPod({ automountServiceAccountToken: false, containers: [app] });
  expect((podSaysNo.body as any).spec.volumes ?? []).toEqual([]);
});

test('a container already mounting the path is left alone; an existing kube-api-access-* volume is reused, not added', async () => {
  const own = await createPod({
    containers: [{ ...app, volumeMounts: [{ name: 'mine', mountPath: MOUNT }] }],
    volumes: [{ name: 'mine', emptyDir: {} }],
  });
  const spec = (own.body as any).spec;
  expect(spec.volumes.map((v: any) => v.name)).toEqual(['mine']);
  expect(spec.containers[0].volumeMounts).toEqual([{ name: 'mine', mountPath: MOUNT }]);
  const reuse = await createPod({ containers: [app], volumes: [{ name: 'kube-api-access-keep1', emptyDir: {} }] });
  const rs = (reuse.body as any).spec;
  expect(rs.volumes).toEqual([{ name: 'kube-api-access-keep1', emptyDir: {} }]);
  expect(rs.containers[0].volumeMounts).toEqual([{ name: 'kube-api-access-keep1', readOnly: true, mountPath: MOUNT }]);
});

test('the ServiceAccount must exist: 403 with the plugin\'s text', async () => {
  const r = await createPod({ serviceAccountName: 'ghost', containers: [app] }, { name: 'orphan' });
  expect(r.status).toBe(403);
  expect((r.body as any).message).toBe(`pods "orphan" is forbidden: error looking up service account ${NS}/ghost: serviceaccount "ghost" not found`);
});

test('imagePullSecrets come from the ServiceAccount when the pod has none', async () => {
  const r = await createPod({ serviceAccountName: 'pulls', containers: [app] });
  expect((r.body as any).spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
});

test('enforce-mountable-secrets: only the Secrets the ServiceAccount lists', async () => {
  const ok = await createPod({ serviceAccountName: 'strict', containers: [app], volumes: [{ name: 's', secret: { secretName: 'allowed' } }] });
  expect(ok.status).toBe(201);
  const vol = await createPod({ serviceAccountName: 'strict', containers: [app], volumes: [{ name: 's', secret: { secretName: 'other' } }] }, { name: 'v1' });
  expect(vol.status).toBe(403);
  expect((vol.body as any).message).toBe('pods "v1" is forbidden: volume with secret.secretName="other" is not allowed because service account strict does not reference that secret');
  const env = await createPod({ serviceAccountName: 'strict', containers: [{ ...app, env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'other', key: 'pw' } } }] }] }, { name: 'e1' });
  expect((env.body as any).message).toBe('pods "e1" is forbidden: container app with envVar PW referencing secret.secretName="other" is not allowed because service account strict does not reference that secret');
});

test('a mirror pod may not reference a ServiceAccount', async () => {
  const r = await createPod({ serviceAccountName: 'default', nodeName: 'node-1', containers: [app] }, { name: 'static-x', annotations: { 'kubernetes.io/config.mirror': 'abc' } });
  expect(r.status).toBe(403);
  expect((r.body as any).message).toBe('pods "static-x" is forbidden: a mirror pod may not reference service accounts');
});
