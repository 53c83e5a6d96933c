/** LIST: label and field selectors, cluster-wide lists, limit/continue pagination over thousands of objects. */
import { Emulator, start } from './index';

let k: Emulator;
const N = 3000;

beforeAll(async () => {
  const objects = [];
  for (let i = 0; i < N; i++) {
    const ns = `page-${i % 7}`;
    objects.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `s-${String(i).padStart(5, '0')}`, namespace: ns, labels: { tier: i % 3 === 0 ? 'db' : 'web', n: String(i) } },
      type: i % 10 === 0 ? 'kubernetes.io/dockerconfigjson' : 'Opaque',
    });
  }
  k = await start({ objects });
});
afterAll(async () => {
  await k.stop();
});

async function listAll(path: string, limit: number): Promise<{ names: string[]; pages: number }> {
  const names: string[] = [];
  let cont = '';
  let pages = 0;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const r = await k.adminRequest('GET', `${path}${sep}limit=${limit}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
    expect(r.status).toBe(200);
    pages++;
    for (const i of r.body.items) names.push(`${i.metadata.namespace}/${i.metadata.name}`);
    cont = r.body.metadata.continue ?? '';
  } while (cont);
  return { names, pages };
}

test('pages over a cluster-wide list visit every object once, in key order', async () => {
  const { names, pages } = await listAll('/api/v1/secrets?labelSelector=n', 250);
  expect(names.length).toBe(N);
  expect(new Set(names).size).toBe(N);
  expect(pages).toBe(Math.ceil(N / 250));
  const sorted = [...names].sort((a, b) => (a + '' < b + '' ? -1 : 1));
  expect(names).toEqual(sorted);
});

test('a namespaced list with limit reports remainingItemCount and an opaque continue token', async () => {
  const r = await k.adminRequest('GET', '/api/v1/namespaces/page-1/secrets?limit=100');
  const total = Array.from({ length: N }, (_, i) => i).filter((i) => i % 7 === 1).length;
  expect(r.body.items).toHaveLength(100);
  expect(r.body.metadata.remainingItemCount).toBe(total - 100);
  expect(r.body.metadata.continue).toMatch(/^[A-Za-z0-9_-]+$/);
  const rest = await listAll('/api/v1/namespaces/page-1/secrets', 100);
  expect(rest.names).toHaveLength(total);
});

test('a malformed continue token is a 400', async () => {
  const r = await k.adminRequest('GET', '/api/v1/secrets?limit=5&continue=garbage');
  expect(r.status).toBe(400);
});

// Upstream's texts (k/k staging/src/k8s.io/apiserver/pkg/storage/continue.go), as a real
// kube-apiserver answers them in tests/real/.
test.each([
  ['abc*def', 'continue key is not valid: illegal base64 data at input byte 3'],
  ['abcde', 'continue key is not valid: illegal base64 data at input byte 4'],
  [{ v: 'meta.k8s.io/v2', rv: 5, start: 'a\u0000' }, 'continue key is not valid: server does not recognize this encoded version meta.k8s.io/v2'],
  [{ v: 'meta.k8s.io/v1', rv: 0, start: 'a\u0000' }, 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)'],
  [{ v: 'meta.k8s.io/v1', rv: 5, start: '' }, 'continue key is not valid: encoded start key empty (version meta.k8s.io/v1)'],
  [{ v: 'meta.k8s.io/v1', rv: 5, start: '../kube-system/x' }, 'continue key is not valid: ../kube-system/x'],
])('a malformed continue token %j answers upstream\'s text', async (token, text) => {
  const encoded = typeof token === 'string' ? token : Buffer.from(JSON.stringify(token)).toString('base64url');
  const r = await k.adminRequest('GET', `/api/v1/namespaces/page-0/secrets?limit=5&continue=${encodeURIComponent(encoded)}`);
  expect({ status: r.status, reason: r.body.reason, message: r.body.message }).toEqual({ status: 400, reason: 'BadRequest', message: `invalid continue token: ${text}` });
});

test('label selectors: equality, inequality, set-based and existence', async () => {
  const count = async (sel: string) => (await k.adminRequest('GET', `/api/v1/namespaces/page-0/secrets?labelSelector=${encodeURIComponent(sel)}`)).body.items.length;
  const inNs = Array.from({ length: N }, (_, i) => i).filter((i) => i % 7 === 0);
  expect(await count('tier=db')).toBe(inNs.filter((i) => i % 3 === 0).length);
  expect(await count('tier!=db')).toBe(inNs.filter((i) => i % 3 !== 0).length);
  expect(await count('tier in (db,web),n in (0,7,14)')).toBe(3);
  expect(await count('n notin (0)')).toBe(inNs.length - 1);
  expect(await count('!tier')).toBe(0);
  expect(await count('tier')).toBe(inNs.length);
});

test('field selectors: metadata.name, metadata.namespace, type; unsupported fields are 400', async () => {
  const byName = await k.adminRequest('GET', '/api/v1/secrets?fieldSelector=metadata.name%3Ds-00007');
  expect(byName.body.items.map((i: any) => i.metadata.namespace)).toEqual(['page-0']);
  const byNs = await k.adminRequest('GET', '/api/v1/secrets?fieldSelector=metadata.namespace%3Dpage-2,type%3Dkubernetes.io/dockerconfigjson');
  expect(byNs.body.items.every((i: any) => i.metadata.namespace === 'page-2' && i.type === 'kubernetes.io/dockerconfigjson')).toBe(true);
  expect(byNs.body.items.length).toBeGreaterThan(0);
  const bad = await k.adminRequest('GET', '/api/v1/secrets?fieldSelector=spec.nope%3Dx');
  expect(bad.status).toBe(400);
  expect(bad.body.message).toBe('field label not supported: spec.nope');
});

test('pods select by spec.nodeName and spec.serviceAccountName', async () => {
  const all = (await k.adminRequest('GET', '/api/v1/pods')).body.items;
  const onNode1 = (await k.adminRequest('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1')).body.items;
  expect(onNode1.length).toBe(all.filter((p: any) => p.spec.nodeName === 'node-1').length);
  expect(onNode1.length).toBeGreaterThan(0);
  const coredns = (await k.adminRequest('GET', '/api/v1/pods?fieldSelector=spec.serviceAccountName%3Dcoredns')).body.items;
  expect(coredns.map((p: any) => p.metadata.name.slice(0, 8))).toEqual(['coredns-', 'coredns-']);
});

test('kubectl-style Table responses carry the printer columns', async () => {
  const r = await k.adminRequest('GET', '/api/v1/namespaces/kube-system/pods', undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
  expect(r.body.kind).toBe('Table');
  expect(r.body.columnDefinitions.map((c: any) => c.name).slice(0, 5)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age']);
  expect(r.body.rows[0].object.kind).toBe('PartialObjectMetadata');
});
