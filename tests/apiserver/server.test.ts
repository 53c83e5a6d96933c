/** Discovery, version, OpenAPI, control endpoints (clock, faults), latency, the request log and the audit log. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Emulator, start } from './index';
import { AGGREGATED_V2 } from './http/discovery';

let k: Emulator;
const dir = mkdtempSync(path.join(tmpdir(), 'apiserver-test-'));
const auditLogPath = path.join(dir, 'audit.log');

beforeAll(async () => {
  k = await start({ now: new Date('2026-01-01T00:00:00Z'), auditLogPath });
});
afterAll(async () => {
  await k.stop();
});

describe('discovery', () => {
  test('/api, /apis and group versions list every served resource', async () => {
    expect((await k.adminRequest('GET', '/api')).body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = (await k.adminRequest('GET', '/apis')).body.groups.map((g: any) => g.name);
    expect(groups).toEqual(['rbac.authorization.k8s.io', 'apps', 'batch', 'authentication.k8s.io', 'authorization.k8s.io']);
    const core = (await k.adminRequest('GET', '/api/v1')).body.resources.map((r: any) => r.name);
    expect(core).toEqual(expect.arrayContaining(['pods', 'pods/exec', 'serviceaccounts', 'serviceaccounts/token', 'secrets', 'configmaps', 'nodes', 'events', 'namespaces']));
    const apps = (await k.adminRequest('GET', '/apis/apps/v1')).body;
    expect(apps.groupVersion).toBe('apps/v1');
    expect(apps.resources.find((r: any) => r.name === 'deployments')).toMatchObject({ namespaced: true, kind: 'Deployment', shortNames: ['deploy'] });
    expect((await k.adminRequest('GET', '/apis/authentication.k8s.io/v1')).body.resources.map((r: any) => r.name)).toEqual(['tokenreviews', 'selfsubjectreviews']);
    expect((await k.adminRequest('GET', '/apis/nope/v1')).status).toBe(404);
  });

  test('the aggregated discovery document answers kubectl 1.30+ Accept headers', async () => {
    const accept = `${AGGREGATED_V2},application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json`;
    const r = await k.adminRequest('GET', '/apis', undefined, { Accept: accept });
    expect(r.headers['content-type']).toBe(AGGREGATED_V2);
    expect(r.body.kind).toBe('APIGroupDiscoveryList');
    const batch = r.body.items.find((g: any) => g.metadata.name === 'batch');
    expect(batch.versions[0].resources.map((x: any) => x.resource)).toEqual(['jobs', 'cronjobs']);
  });

  test('/version looks like a 1.32 server; /openapi/v3 names every group version', async () => {
    expect((await k.adminRequest('GET', '/version')).body).toMatchObject({ major: '1', minor: '32' });
    const index = (await k.adminRequest('GET', '/openapi/v3')).body;
    expect(Object.keys(index.paths)).toEqual(expect.arrayContaining(['api/v1', 'apis/apps/v1']));
    const doc = (await k.adminRequest('GET', index.paths['api/v1'].serverRelativeURL)).body;
    const patch = doc.paths['/api/v1/namespaces/{namespace}/pods/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: '', version: 'v1', kind: 'Pod' });
    expect(patch.parameters.map((p: any) => p.name)).toContain('fieldValidation');
  });
});

describe('control endpoints', () => {
  test('the clock starts where asked and moves forward', async () => {
    expect(k.clock.now().getTime()).toBeGreaterThanOrEqual(Date.parse('2026-01-01T00:00:00Z'));
    const before = k.clock.now().getTime();
    const r = await k.adminRequest('POST', '/_emulator/clock', { advanceSeconds: 3600 });
    expect(r.status).toBe(200);
    expect(Date.parse(r.body.now) - before).toBeGreaterThanOrEqual(3600_000 - 1000);
    const c = await k.adminRequest('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-advance' } });
    expect(Date.parse(c.body.metadata.creationTimestamp)).toBeGreaterThanOrEqual(Date.parse('2026-01-01T01:00:00Z'));
  });

  test('control endpoints are for the admin only', async () => {
    const r = await k.request('POST', '/_emulator/clock', { body: { advanceSeconds: 1 } });
    expect(r.status).toBe(403);
  });

  test('a status fault answers count times, then expires', async () => {
    await k.adminRequest('POST', '/_emulator/faults', { pathRegex: '/api/v1/namespaces/default/secrets', status: 503, count: 2 });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await k.adminRequest('GET', '/api/v1/namespaces/default/secrets')).status);
    expect(codes).toEqual([503, 503, 200]);
  });

  test('a delay fault slows matching requests; reset clears every fault', async () => {
    // A delay long enough that a request on a loaded machine is still well under it once reset.
    await k.adminRequest('POST', '/_emulator/faults', { pathRegex: '^/api/v1/nodes$', delayMs: 1500 });
    let t = Date.now();
    await k.adminRequest('GET', '/api/v1/nodes');
    expect(Date.now() - t).toBeGreaterThanOrEqual(1490);
    await k.adminRequest('POST', '/_emulator/faults', { reset: true });
    t = Date.now();
    await k.adminRequest('GET', '/api/v1/nodes');
    expect(Date.now() - t).toBeLessThan(1490);
  });

  test('a drop fault closes the connection mid-body', async () => {
    await k.adminRequest('POST', '/_emulator/faults', { pathRegex: '/api/v1/pods', drop: true, count: 1 });
    await expect(k.adminRequest('GET', '/api/v1/pods')).rejects.toThrow();
    expect((await k.adminRequest('GET', '/api/v1/pods')).status).toBe(200);
  });

  test('a hang fault never answers', async () => {
    await k.adminRequest('POST', '/_emulator/faults', { pathRegex: '/api/v1/namespaces/kube-public/', hang: true, count: 1 });
    const outcome = await Promise.race([
      k.adminRequest('GET', '/api/v1/namespaces/kube-public/configmaps').then(() => 'answered', () => 'closed'),
      new Promise((r) => setTimeout(() => r('hung'), 300)),
    ]);
    expect(outcome).toBe('hung');
  });
});

test('the request log and the audit log record method, path, user, status and user agent', async () => {
  await k.adminRequest('GET', '/api/v1/namespaces/default/pods?limit=3', undefined, { 'User-Agent': 'satoken-test/1' });
  const last = k.requests[k.requests.length - 1];
  expect(last).toMatchObject({ method: 'GET', path: '/api/v1/namespaces/default/pods?limit=3', user: 'kubernetes-admin', status: 200, userAgent: 'satoken-test/1' });
  const lines = readFileSync(auditLogPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  expect(lines[lines.length - 1]).toMatchObject({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', requestURI: '/api/v1/namespaces/default/pods?limit=3', user: { username: 'kubernetes-admin' } });
});

test('--latency-ms delays every request', async () => {
  const slow = await start({ latencyMs: 150 });
  try {
    const t = Date.now();
    await slow.adminRequest('GET', '/version');
    expect(Date.now() - t).toBeGreaterThanOrEqual(140);
  } finally {
    await slow.stop();
  }
});

test('the admin kubeconfig embeds the CA and the client certificate', () => {
  expect(readFileSync(k.kubeconfigPath, 'utf8')).toBe(k.kubeconfig);
  expect(k.kubeconfig).toContain('certificate-authority-data');
  expect(k.kubeconfig).toContain('client-certificate-data');
  expect(k.kubeconfig).toContain(k.url);
});
