/** Authentication dispatch, RBAC decisions with the API server's exact 403 texts, impersonation, access reviews. */
import { Emulator, start } from './index';

let k: Emulator;
const RBAC = '/apis/rbac.authorization.k8s.io/v1';

async function token(ns: string, sa: string): Promise<string> {
  const r = await k.adminRequest('POST', `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
  expect(r.status).toBe(201);
  return r.body.status.token;
}

beforeAll(async () => {
  k = await start();
  await k.adminRequest('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  for (const name of ['reader', 'nobody', 'minter', 'admin-ish']) {
    await k.adminRequest('POST', '/api/v1/namespaces/team/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
  }
  await k.adminRequest('POST', `${RBAC}/namespaces/team/roles`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'pod-reader' },
    rules: [
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['allowed'] },
    ],
  });
  await k.adminRequest('POST', `${RBAC}/namespaces/team/rolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'reader' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
    subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: 'team' }],
  });
  await k.adminRequest('POST', `${RBAC}/clusterroles`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'token-minter' },
    rules: [{ apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] }],
  });
  await k.adminRequest('POST', `${RBAC}/namespaces/team/rolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'minter' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'token-minter' },
    subjects: [{ kind: 'Group', name: 'system:serviceaccounts:team' }],
  });
  await k.adminRequest('POST', `${RBAC}/clusterrolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'broken' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'does-not-exist' },
    subjects: [{ kind: 'ServiceAccount', name: 'admin-ish', namespace: 'team' }],
  });
});
afterAll(async () => {
  await k.stop();
});

test('a bound ServiceAccount token may do what its Role allows', async () => {
  const t = await token('team', 'reader');
  expect((await k.request('GET', '/api/v1/namespaces/team/pods', { token: t })).status).toBe(200);
  expect((await k.request('GET', '/api/v1/namespaces/team/secrets/allowed', { token: t })).status).toBe(404);
});

test('a denied request is 403 with the upstream message (namespace form)', async () => {
  const t = await token('team', 'nobody');
  const r = await k.request('GET', '/api/v1/namespaces/team/pods', { token: t });
  expect(r.status).toBe(403);
  expect(r.body).toEqual({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'pods is forbidden: User "system:serviceaccount:team:nobody" cannot list resource "pods" in API group "" in the namespace "team"',
    reason: 'Forbidden',
    details: { kind: 'pods' },
    code: 403,
  });
});

test('cluster-scope, named, subresource and non-resource denials read as upstream', async () => {
  const t = await token('team', 'reader');
  const nodes = await k.request('GET', '/api/v1/nodes', { token: t });
  expect(nodes.body.message).toBe('nodes is forbidden: User "system:serviceaccount:team:reader" cannot list resource "nodes" in API group "" at the cluster scope');
  const named = await k.request('GET', '/api/v1/namespaces/team/secrets/other', { token: t });
  expect(named.body.message).toBe('secrets "other" is forbidden: User "system:serviceaccount:team:reader" cannot get resource "secrets" in API group "" in the namespace "team"');
  expect(named.body.details).toEqual({ name: 'other', kind: 'secrets' });
  const deploy = await k.request('GET', '/apis/apps/v1/namespaces/team/deployments', { token: t });
  expect(deploy.body.message).toBe('deployments.apps is forbidden: User "system:serviceaccount:team:reader" cannot list resource "deployments" in API group "apps" in the namespace "team"');
  const nonRes = await k.request('GET', '/metrics', { token: t });
  expect(nonRes.body.message).toBe('forbidden: User "system:serviceaccount:team:reader" cannot get path "/metrics"');
});

test('group subjects: system:serviceaccounts:<ns> binds every ServiceAccount of the namespace', async () => {
  const t = await token('team', 'nobody');
  const r = await k.request('POST', '/api/v1/namespaces/team/serviceaccounts/nobody/token', { token: t, body: { spec: {} } });
  expect(r.status).toBe(201);
  const other = await k.request('POST', '/api/v1/namespaces/default/serviceaccounts/default/token', { token: t, body: { spec: {} } });
  expect(other.status).toBe(403);
  expect(other.body.message).toBe(
    'serviceaccounts "default" is forbidden: User "system:serviceaccount:team:nobody" cannot create resource "serviceaccounts/token" in API group "" in the namespace "default"',
  );
});

test('a binding to a missing role appends the RBAC lookup error', async () => {
  const t = await token('team', 'admin-ish');
  const r = await k.request('GET', '/api/v1/nodes', { token: t });
  expect(r.body.message).toBe(
    'nodes is forbidden: User "system:serviceaccount:team:admin-ish" cannot list resource "nodes" in API group "" at the cluster scope: RBAC: clusterrole.rbac.authorization.k8s.io "does-not-exist" not found',
  );
});

test('bootstrap roles: issuer discovery for ServiceAccounts, whoami for everyone authenticated, nothing for anonymous', async () => {
  const t = await token('team', 'nobody');
  expect((await k.request('GET', '/.well-known/openid-configuration', { token: t })).status).toBe(200);
  const jwks = await k.request('GET', '/openid/v1/jwks', { token: t });
  expect(jwks.status).toBe(200);
  expect(jwks.headers['content-type']).toBe('application/jwk-set+json');
  expect(jwks.headers['cache-control']).toBe('public, max-age=3600');
  const whoami = await k.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { token: t, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
  expect(whoami.status).toBe(201);
  expect(whoami.body.status.userInfo.username).toBe('system:serviceaccount:team:nobody');
  const anon = await k.request('GET', '/api/v1/namespaces/team/pods');
  expect(anon.status).toBe(403);
  expect(anon.body.message).toBe('pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "team"');
  expect((await k.request('GET', '/version')).status).toBe(200);
});

test('a bearer token that is not a valid ServiceAccount token is 401 with the Unauthorized Status', async () => {
  const r = await k.request('GET', '/api/v1/namespaces/team/pods', { token: 'not-a-jwt' });
  expect(r.status).toBe(401);
  expect(r.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  expect(k.requests[k.requests.length - 1]).toMatchObject({ status: 401, user: '' });
});

test('impersonation needs the impersonate verb; admin may, and the impersonated SA gets its groups', async () => {
  const r = await k.adminRequest('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, { 'Impersonate-User': 'system:serviceaccount:team:reader' });
  expect(r.body.status.userInfo).toEqual({
    username: 'system:serviceaccount:team:reader',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'],
  });
  const t = await token('team', 'reader');
  const denied = await k.request('GET', '/api/v1/namespaces/team/pods', { token: t, headers: { 'Impersonate-User': 'jane' } });
  expect(denied.status).toBe(403);
  expect(denied.body.message).toBe('users "jane" is forbidden: User "system:serviceaccount:team:reader" cannot impersonate resource "users" in API group "" at the cluster scope');
});

test('SelfSubjectAccessReview answers with the RBAC reason', async () => {
  const body = (verb: string, resource: string) => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: 'team', verb, resource } } });
  const yes = await k.adminRequest('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', body('list', 'pods'), { 'Impersonate-User': 'system:serviceaccount:team:reader' });
  expect(yes.body.status).toEqual({ allowed: true, reason: 'RBAC: allowed by RoleBinding "reader/team" of Role "pod-reader" to ServiceAccount "reader/team"' });
  const no = await k.adminRequest('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', body('delete', 'pods'), { 'Impersonate-User': 'system:serviceaccount:team:reader' });
  expect(no.body.status).toEqual({ allowed: false });
  const rules = await k.adminRequest('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'team' } }, { 'Impersonate-User': 'system:serviceaccount:team:reader' });
  expect(rules.body.status.resourceRules).toContainEqual({ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] });
});

test('wildcards and */subresource rules match as upstream', async () => {
  const { ruleAllows } = await import('./auth/rbac');
  const user = { username: 'u', groups: [] };
  const a = (resource: string, subresource?: string, verb = 'create') => ({ user, verb, isResourceRequest: true, group: '', resource, subresource, namespace: 'x' });
  expect(ruleAllows({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, a('pods', 'exec'))).toBe(true);
  expect(ruleAllows({ verbs: ['create'], apiGroups: [''], resources: ['*/exec'] }, a('pods', 'exec'))).toBe(true);
  expect(ruleAllows({ verbs: ['create'], apiGroups: [''], resources: ['pods'] }, a('pods', 'exec'))).toBe(false);
  expect(ruleAllows({ verbs: ['get'], nonResourceURLs: ['/openid/*'] }, { user, verb: 'get', isResourceRequest: false, path: '/openid/v1/jwks' })).toBe(true);
});
