/**
 * The TokenRequest subresource's refusals as a client sees them (issue 16 audit), through the HTTP
 * API. Upstream pkg/registry/core/serviceaccount/storage/token.go TokenREST.Create (1.32), in order:
 * body name/namespace must match the URL (422, field.Invalid … "must match the service account name
 * if specified"), the ServiceAccount must exist (404), ValidateTokenRequest (422: under 10 minutes),
 * the bound object: a Pod of another ServiceAccount (400), an unsupported kind (400 `cannot bind
 * token to object of type <gvk.String()>`), a missing object (404), another uid (409 … "The object
 * might have been deleted and then recreated").
 */
import { start, type Emulator } from '../index';

let k: Emulator;
const NS = 'treq';
const post = (sa: string, body: Record<string, unknown>) => k.adminRequest('POST', `/api/v1/namespaces/${NS}/serviceaccounts/${sa}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', ...body });
let pod: any;

beforeAll(async () => {
  k = await start();
  await k.adminRequest('POST', '/api/v1/namespaces', { metadata: { name: NS } });
  for (const name of ['app', 'other']) await k.adminRequest('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { metadata: { name } });
  pod = (await k.adminRequest('POST', `/api/v1/namespaces/${NS}/pods`, { metadata: { name: 'web' }, spec: { serviceAccountName: 'app', containers: [{ name: 'a', image: 'debian:12' }] } })).body;
}, 60_000);
afterAll(async () => {
  await k?.stop();
});

test.each([
  ['a body name other than the URL\'s', 'app', { metadata: { name: 'default' }, spec: {} }, 422, 'TokenRequest.authentication.k8s.io "app" is invalid: metadata.name: Invalid value: "default": must match the service account name if specified'],
  ['a missing ServiceAccount', 'ghost', { spec: {} }, 404, 'serviceaccounts "ghost" not found'],
  ['expirationSeconds under 10 minutes', 'app', { spec: { expirationSeconds: 599 } }, 422, 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes'],
  ['an unsupported bound kind', 'app', { spec: { boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 'x' } } }, 400, 'cannot bind token to object of type /v1, Kind=ConfigMap'],
  ['a missing bound pod', 'app', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'nope' } } }, 404, 'pods "nope" not found'],
])('%s', async (_what, sa, body, status, message) => {
  const r = await post(sa, body);
  expect(r.status).toBe(status);
  expect((r.body as any).message).toBe(message);
});

test('a pod of another ServiceAccount, and a stale pod uid', async () => {
  const other = await post('other', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } } });
  expect(other.status).toBe(400);
  expect((other.body as any).message).toBe('cannot bind token for serviceaccount "other" to pod running with different serviceaccount name.');
  const stale = await post('app', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'not-the-uid' } } });
  expect(stale.status).toBe(409);
  expect((stale.body as any).message).toBe('Operation cannot be fulfilled on Pod "web": the UID in the bound object reference (not-the-uid) does not match the UID in record. The object might have been deleted and then recreated');
  const ok = await post('app', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: pod.metadata.uid } } });
  expect(ok.status).toBe(201);
  expect((ok.body as any).spec).toEqual({ audiences: expect.any(Array), expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: pod.metadata.uid } });
});
