/** CRUD over the REST layer: Status errors in the API server's exact form, conflicts, preconditions, patches. */
import { Emulator, start } from './index';

let k: Emulator;
beforeAll(async () => {
  k = await start();
});
afterAll(async () => {
  await k.stop();
});

const sa = (name: string, ns = 'default') => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns } });

describe('create and get', () => {
  test('a created object gets uid, resourceVersion and creationTimestamp', async () => {
    const r = await k.adminRequest('POST', '/api/v1/namespaces/default/serviceaccounts', sa('crud-a'));
    expect(r.status).toBe(201);
    expect(r.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(r.body.metadata.resourceVersion)).toBeGreaterThan(0);
    expect(r.body.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const g = await k.adminRequest('GET', '/api/v1/namespaces/default/serviceaccounts/crud-a');
    expect(g.body.metadata.uid).toBe(r.body.metadata.uid);
  });

  test('generateName appends five characters', async () => {
    const r = await k.adminRequest('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } });
    expect(r.body.metadata.name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  test('a duplicate is AlreadyExists with the upstream Status', async () => {
    await k.adminRequest('POST', '/api/v1/namespaces/default/serviceaccounts', sa('dup'));
    const r = await k.adminRequest('POST', '/api/v1/namespaces/default/serviceaccounts', sa('dup'));
    expect(r.status).toBe(409);
    expect(r.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'serviceaccounts "dup" already exists',
      reason: 'AlreadyExists',
      details: { name: 'dup', kind: 'serviceaccounts' },
      code: 409,
    });
  });

  test('a missing object is NotFound, group-qualified outside the core group', async () => {
    const p = await k.adminRequest('GET', '/api/v1/namespaces/default/pods/x');
    expect(p.status).toBe(404);
    expect(p.body.message).toBe('pods "x" not found');
    expect(p.body.details).toEqual({ name: 'x', kind: 'pods' });
    const d = await k.adminRequest('GET', '/apis/apps/v1/namespaces/default/deployments/x');
    expect(d.body.message).toBe('deployments.apps "x" not found');
    expect(d.body.details).toEqual({ name: 'x', group: 'apps', kind: 'deployments' });
  });

  test('creating in a missing namespace is NotFound for the namespace', async () => {
    const r = await k.adminRequest('POST', '/api/v1/namespaces/nope/serviceaccounts', sa('a', 'nope'));
    expect(r.status).toBe(404);
    expect(r.body.message).toBe('namespaces "nope" not found');
  });

  test('a new namespace gets its default ServiceAccount and kube-root-ca.crt', async () => {
    await k.adminRequest('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fresh' } });
    const s = await k.adminRequest('GET', '/api/v1/namespaces/fresh/serviceaccounts/default');
    expect(s.status).toBe(200);
    const cm = await k.adminRequest('GET', '/api/v1/namespaces/fresh/configmaps/kube-root-ca.crt');
    expect(cm.body.data['ca.crt']).toBe(k.caPem);
  });
});

describe('update', () => {
  test('a stale resourceVersion is a Conflict with the upstream message', async () => {
    const c = await k.adminRequest('POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'upd' }, stringData: { a: 'b' } });
    expect(c.body.data).toEqual({ a: Buffer.from('b').toString('base64') });
    const first = await k.adminRequest('PUT', '/api/v1/namespaces/default/secrets/upd', { ...c.body, data: { a: 'Yw==' } });
    expect(first.status).toBe(200);
    expect(Number(first.body.metadata.resourceVersion)).toBeGreaterThan(Number(c.body.metadata.resourceVersion));
    const stale = await k.adminRequest('PUT', '/api/v1/namespaces/default/secrets/upd', { ...c.body, data: { a: 'ZA==' } });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
    expect(stale.body.message).toBe(
      'Operation cannot be fulfilled on secrets "upd": the object has been modified; please apply your changes to the latest version and try again',
    );
    expect(stale.body.details).toEqual({ name: 'upd', kind: 'secrets' });
  });

  test('an update without resourceVersion is unconditional', async () => {
    await k.adminRequest('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'uncond' }, data: { a: '1' } });
    const r = await k.adminRequest('PUT', '/api/v1/namespaces/default/configmaps/uncond', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'uncond' }, data: { a: '2' } });
    expect(r.status).toBe(200);
    expect(r.body.data.a).toBe('2');
  });

  test('the name in the body must match the URL', async () => {
    const r = await k.adminRequest('PUT', '/api/v1/namespaces/default/configmaps/uncond', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other' } });
    expect(r.status).toBe(400);
  });
});

describe('patch', () => {
  beforeAll(async () => {
    await k.adminRequest('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'p', labels: { keep: 'yes', drop: 'yes' } }, data: { a: '1' } });
  });

  test('merge patch sets and removes keys', async () => {
    const r = await k.adminRequest('PATCH', '/api/v1/namespaces/default/configmaps/p', { metadata: { labels: { drop: null, add: 'x' } }, data: { b: '2' } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(r.status).toBe(200);
    expect(r.body.metadata.labels).toEqual({ keep: 'yes', add: 'x' });
    expect(r.body.data).toEqual({ a: '1', b: '2' });
  });

  test('strategic merge patch merges lists by key', async () => {
    await k.adminRequest('POST', '/apis/apps/v1/namespaces/default/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'smp' },
      spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'one', image: 'x' }, { name: 'two', image: 'y' }] } } },
    });
    const r = await k.adminRequest(
      'PATCH',
      '/apis/apps/v1/namespaces/default/deployments/smp',
      { spec: { template: { spec: { containers: [{ name: 'two', image: 'z' }] } } } },
      { 'Content-Type': 'application/strategic-merge-patch+json' },
    );
    expect(r.body.spec.template.spec.containers).toEqual([{ name: 'one', image: 'x' }, { name: 'two', image: 'z' }]);
  });

  test('JSON patch applies operations in order; a failed test op is 422', async () => {
    const r = await k.adminRequest(
      'PATCH',
      '/api/v1/namespaces/default/configmaps/p',
      [
        { op: 'add', path: '/data/c', value: '3' },
        { op: 'replace', path: '/data/a', value: 'one' },
        { op: 'remove', path: '/data/b' },
      ],
      { 'Content-Type': 'application/json-patch+json' },
    );
    expect(r.body.data).toEqual({ a: 'one', c: '3' });
    const bad = await k.adminRequest('PATCH', '/api/v1/namespaces/default/configmaps/p', [{ op: 'test', path: '/data/a', value: 'nope' }], { 'Content-Type': 'application/json-patch+json' });
    expect(bad.status).toBe(422);
  });

  test('a patch naming a stale resourceVersion conflicts', async () => {
    const r = await k.adminRequest('PATCH', '/api/v1/namespaces/default/configmaps/p', { metadata: { resourceVersion: '1' }, data: { z: '1' } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(r.status).toBe(409);
    expect(r.body.message).toContain('the object has been modified');
  });

  test('an unknown patch type is 415', async () => {
    const r = await k.adminRequest('PATCH', '/api/v1/namespaces/default/configmaps/p', { data: {} }, { 'Content-Type': 'text/plain' });
    expect(r.status).toBe(415);
  });
});

describe('delete', () => {
  test('a resourceVersion precondition that does not match is a Conflict with the storage message', async () => {
    const c = await k.adminRequest('POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'del' } });
    const r = await k.adminRequest('DELETE', '/api/v1/namespaces/default/secrets/del', { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { resourceVersion: '1' } });
    expect(r.status).toBe(409);
    expect(r.body.message).toBe(
      `Operation cannot be fulfilled on secrets "del": StorageError: invalid object, Code: 4, Key: /registry/secrets/default/del, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: ${c.body.metadata.resourceVersion}`,
    );
    const ok = await k.adminRequest('DELETE', '/api/v1/namespaces/default/secrets/del', { preconditions: { resourceVersion: c.body.metadata.resourceVersion, uid: c.body.metadata.uid } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'del', kind: 'secrets', uid: c.body.metadata.uid } });
    expect((await k.adminRequest('GET', '/api/v1/namespaces/default/secrets/del')).status).toBe(404);
  });

  test('deleting a missing object is NotFound', async () => {
    const r = await k.adminRequest('DELETE', '/api/v1/namespaces/default/secrets/never');
    expect(r.status).toBe(404);
    expect(r.body.message).toBe('secrets "never" not found');
  });

  test('deleting a namespace removes what it holds', async () => {
    await k.adminRequest('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gone' } });
    await k.adminRequest('POST', '/api/v1/namespaces/gone/serviceaccounts', sa('x', 'gone'));
    const r = await k.adminRequest('DELETE', '/api/v1/namespaces/gone');
    expect(r.status).toBe(200);
    expect((await k.adminRequest('GET', '/api/v1/namespaces/gone/serviceaccounts/x')).status).toBe(404);
  });
});
