/** Pod admission: ServiceAccount existence, automount precedence, the kube-api-access volume, scheduling; the token controller. */
import { Emulator, start } from './index';

let k: Emulator;
const NS = 'adm';

const pod = (name: string, spec: Record<string, unknown> = {}, containers: any[] = [{ name: 'app', image: 'busybox:1.36' }]) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers, ...spec },
});

beforeAll(async () => {
  k = await start();
  await k.adminRequest('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  await k.adminRequest('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'no-mount' }, automountServiceAccountToken: false });
});
afterAll(async () => {
  await k.stop();
});

test('a pod whose ServiceAccount does not exist is refused with the admission plugin message', async () => {
  const r = await k.adminRequest('POST', `/api/v1/namespaces/${NS}/pods`, pod('orphan', { serviceAccountName: 'missing' }));
  expect(r.status).toBe(403);
  expect(r.body).toEqual({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `pods "orphan" is forbidden: error looking up service account ${NS}/missing: serviceaccount "missing" not found`,
    reason: 'Forbidden',
    details: { name: 'orphan', kind: 'pods' },
    code: 403,
  });
  const gen = await k.adminRequest('POST', `/api/v1/namespaces/${NS}/pods`, { ...pod('', { serviceAccountName: 'missing' }), metadata: { generateName: 'web-abc-' } });
  expect(gen.body.message).toBe(`pods "web-abc-" is forbidden: error looking up service account ${NS}/missing: serviceaccount "missing" not found`);
});

test('the default ServiceAccount is filled in and its token volume injected read-only into every container', async () => {
  const r = await k.adminRequest(
    'POST',
    `/api/v1/namespaces/${NS}/pods`,
    pod('two', {}, [
      { name: 'a', image: 'nginx' },
      { name: 'b', image: 'nginx:1.27', volumeMounts: [{ name: 'own', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] },
    ]),
  );
  expect(r.status).toBe(201);
  const spec = r.body.spec;
  expect(spec.serviceAccountName).toBe('default');
  expect(spec.serviceAccount).toBe('default');
  const vol = spec.volumes.find((v: any) => v.name.startsWith('kube-api-access-'));
  expect(vol.name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  expect(vol.projected).toEqual({
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
    defaultMode: 420,
  });
  expect(spec.containers[0].volumeMounts).toEqual([{ name: vol.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
  expect(spec.containers[1].volumeMounts).toEqual([{ name: 'own', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
  expect(spec.containers[0].imagePullPolicy).toBe('Always');
  expect(spec.containers[1].imagePullPolicy).toBe('IfNotPresent');
});

test('a projected ServiceAccount token of the pod\'s own is defaulted to one hour, its volume to mode 0644 (as a real kube-apiserver answers)', async () => {
  const r = await k.adminRequest('POST', `/api/v1/namespaces/${NS}/pods`, pod('cloud', {
    volumes: [{ name: 'cloud', projected: { sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', path: 'token' } }] } }],
  }));
  expect(r.status).toBe(201);
  expect(r.body.spec.volumes.find((v: any) => v.name === 'cloud')).toEqual({
    name: 'cloud', projected: { sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 3600, path: 'token' } }], defaultMode: 420 },
  });
});

test('a pod with scheduling gates stays Pending, SchedulingGated, on no node (as a real kube-apiserver answers)', async () => {
  const r = await k.adminRequest('POST', `/api/v1/namespaces/${NS}/pods`, pod('gated', { schedulingGates: [{ name: 'example.com/hold' }] }));
  expect(r.status).toBe(201);
  expect(r.body.spec.nodeName).toBeUndefined();
  expect(r.body.status).toEqual({
    phase: 'Pending', qosClass: 'BestEffort',
    conditions: [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: expect.any(String), reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates' }],
  });
});

test.each([
  ['pod false wins over SA default', 'default', false, false],
  ['pod true wins over SA false', 'no-mount', true, true],
  ['SA false applies when the pod says nothing', 'no-mount', undefined, false],
  ['default is true', 'default', undefined, true],
])('automount: %s', async (_label, sa, podSetting, mounted) => {
  const name = `am-${Math.random().toString(36).slice(2, 8)}`;
  const spec: Record<string, unknown> = { serviceAccountName: sa };
  if (podSetting !== undefined) spec.automountServiceAccountToken = podSetting;
  const r = await k.adminRequest('POST', `/api/v1/namespaces/${NS}/pods`, pod(name, spec));
  expect(r.status).toBe(201);
  const hasVolume = (r.body.spec.volumes ?? []).some((v: any) => v.name.startsWith('kube-api-access-'));
  expect(hasVolume).toBe(mounted);
});

test('the scheduler honours spec.nodeSelector (nodeaffinity: every pair must be a label of the node); none fits = Pending, Unschedulable', async () => {
  for (let i = 0; i < 3; i++) {
    const r = await k.adminRequest('POST', `/api/v1/namespaces/${NS}/pods`, pod(`pinned-${i}`, { nodeSelector: { 'kubernetes.io/hostname': 'node-2' } }));
    expect(r.body.spec.nodeName).toBe('node-2');
    expect(r.body.status.phase).toBe('Running');
  }
  const none = await k.adminRequest('POST', `/api/v1/namespaces/${NS}/pods`, pod('nowhere', { nodeSelector: { 'kubernetes.io/hostname': 'node-2', 'disk': 'ssd' } }));
  expect(none.body.spec.nodeName).toBeUndefined();
  expect(none.body.status.phase).toBe('Pending');
  const nodes = (await k.adminRequest('GET', '/api/v1/nodes')).body.items.length;
  expect(none.body.status.conditions).toEqual([
    expect.objectContaining({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: `0/${nodes} nodes are available: ${nodes} node(s) didn't match Pod's node affinity/selector.` }),
  ]);
});

test('pods are bound to a Ready node and reported Running; with no Ready node they stay Pending', async () => {
  const r = await k.adminRequest('POST', `/api/v1/namespaces/${NS}/pods`, pod('runs'));
  expect(['node-1', 'node-2']).toContain(r.body.spec.nodeName);
  expect(r.body.status.phase).toBe('Running');
  expect(r.body.status.containerStatuses[0]).toMatchObject({ name: 'app', ready: true, restartCount: 0, state: { running: {} } });
  for (const n of ['node-1', 'node-2']) {
    const node = (await k.adminRequest('GET', `/api/v1/nodes/${n}`)).body;
    const conditions = node.status.conditions.map((c: any) => (c.type === 'Ready' ? { ...c, status: 'False' } : c));
    await k.adminRequest('PATCH', `/api/v1/nodes/${n}/status`, { status: { conditions } }, { 'Content-Type': 'application/merge-patch+json' });
  }
  const pending = await k.adminRequest('POST', `/api/v1/namespaces/${NS}/pods`, pod('waits'));
  expect(pending.body.status.phase).toBe('Pending');
  expect(pending.body.spec.nodeName).toBeUndefined();
  const events = await k.adminRequest('GET', `/api/v1/namespaces/${NS}/events?fieldSelector=involvedObject.name%3Druns`);
  expect(events.body.items.map((e: any) => e.reason)).toEqual(expect.arrayContaining(['Scheduled', 'Started']));
});

test('the token controller fills a manual token Secret; deleting the ServiceAccount deletes it', async () => {
  await k.adminRequest('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'legacy' } });
  const c = await k.adminRequest('POST', `/api/v1/namespaces/${NS}/secrets`, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'legacy-token', annotations: { 'kubernetes.io/service-account.name': 'legacy' } },
    type: 'kubernetes.io/service-account-token',
  });
  expect(c.status).toBe(201);
  const s = (await k.adminRequest('GET', `/api/v1/namespaces/${NS}/secrets/legacy-token`)).body;
  const sa = (await k.adminRequest('GET', `/api/v1/namespaces/${NS}/serviceaccounts/legacy`)).body;
  expect(s.metadata.annotations['kubernetes.io/service-account.uid']).toBe(sa.metadata.uid);
  expect(Buffer.from(s.data.namespace, 'base64').toString()).toBe(NS);
  expect(Buffer.from(s.data['ca.crt'], 'base64').toString()).toBe(k.caPem);
  const claims = JSON.parse(Buffer.from(Buffer.from(s.data.token, 'base64').toString().split('.')[1], 'base64url').toString());
  expect(claims.iss).toBe('kubernetes/serviceaccount');
  expect(claims['kubernetes.io/serviceaccount/secret.name']).toBe('legacy-token');
  await k.adminRequest('DELETE', `/api/v1/namespaces/${NS}/serviceaccounts/legacy`);
  expect((await k.adminRequest('GET', `/api/v1/namespaces/${NS}/secrets/legacy-token`)).status).toBe(404);
});

test('a token Secret must name its ServiceAccount', async () => {
  const r = await k.adminRequest('POST', `/api/v1/namespaces/${NS}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bad' }, type: 'kubernetes.io/service-account-token' });
  expect(r.status).toBe(422);
  expect(r.body.reason).toBe('Invalid');
});

test('the static kube-apiserver pod shows the emulator flags, and the tracking ConfigMap exists', async () => {
  const p = (await k.adminRequest('GET', '/api/v1/namespaces/kube-system/pods/kube-apiserver-node-1')).body;
  const cmd: string[] = p.spec.containers[0].command;
  expect(cmd).toContain('--service-account-issuer=https://kubernetes.default.svc.cluster.local');
  expect(cmd).toContain('--service-account-key-file=/etc/kubernetes/pki/sa.pub');
  expect(cmd).toContain('--service-account-extend-token-expiration=true');
  expect(cmd.some((c) => c.startsWith('--api-audiences'))).toBe(false);
  expect(p.spec.volumes.some((v: any) => v.name.startsWith('kube-api-access-'))).toBe(false);
  const cm = (await k.adminRequest('GET', '/api/v1/namespaces/kube-system/configmaps/kube-apiserver-legacy-service-account-token-tracking')).body;
  expect(cm.data.since).toMatch(/^\d{4}-\d\d-\d\d$/);
});

test('flags given at start appear in the static pod command', async () => {
  const k2 = await start({ issuers: ['https://a.example', 'https://b.example'], apiAudiences: ['api'], maxTokenExpirationSeconds: 7200, extendTokenExpiration: false });
  try {
    const cmd: string[] = (await k2.adminRequest('GET', '/api/v1/namespaces/kube-system/pods/kube-apiserver-node-1')).body.spec.containers[0].command;
    expect(cmd.filter((c) => c.startsWith('--service-account-issuer='))).toEqual(['--service-account-issuer=https://a.example', '--service-account-issuer=https://b.example']);
    expect(cmd).toContain('--api-audiences=api');
    expect(cmd).toContain('--service-account-max-token-expiration=2h0m0s');
    expect(cmd).toContain('--service-account-extend-token-expiration=false');
  } finally {
    await k2.stop();
  }
});
