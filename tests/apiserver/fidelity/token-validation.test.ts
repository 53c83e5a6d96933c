/**
 * Bound token validation and the review APIs as a client sees them (issue 16 audit), through the
 * HTTP API: TokenRequest → TokenReview / SelfSubjectReview / a request with the token.
 * Upstream:
 * - pkg/serviceaccount/claims.go Validate: time first (go-jose ValidateWithLeeway, 60 s leeway:
 *   nbf, exp, iat → `service account token has expired` …), then the ServiceAccount (NotFound text;
 *   `service account UID (<now>) does not match claim (<token's>)` before its deletion time), then
 *   the bound Secret / Pod (missing: `service account token has been invalidated`; other uid:
 *   `pod UID (…) does not match service account pod ref claim (…)`), then the node of a Node-bound
 *   token; the ServiceAccountInfo carries pod and node names/uids and CredentialIDForJTI `JTI=<jti>`;
 * - pkg/serviceaccount/jwt.go AuthenticateToken: `token audiences ["a"] is invalid for the target
 *   audiences ["b"]` (Go %q of a []string);
 * - kube-apiserver's loopback token authenticator in front of the chain (AuthorizeClientBearerToken):
 *   a rejected token's aggregate reads `[invalid bearer token, <reason>]`;
 * - pkg/registry/authentication/tokenreview/storage.go Create: empty token → 400 `token is required
 *   for TokenReview in authentication`; target audiences = spec.audiences or the API audiences;
 * - pkg/registry/authentication/selfsubjectreview/rest.go: status.userInfo of the caller, extra included;
 * - pkg/serviceaccount/openidmetadata.go: the discovery document and JWKS, `Cache-Control: public,
 *   max-age=3600`, application/jwk-set+json; readable by ServiceAccounts (the bootstrap binding
 *   system:service-account-issuer-discovery → group system:serviceaccounts), not anonymously;
 * - pkg/registry/core/serviceaccount/storage/token.go Create: node info for a scheduled pod; status
 *   expirationTimestamp = now + spec.expirationSeconds even when exp is extended.
 */
import { start, type Emulator } from '../index';

let k: Emulator;
const NS = 'val';
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());

async function tokenFor(spec: Record<string, unknown>, sa = 'app'): Promise<{ token: string; body: any }> {
  const r = await k.adminRequest('POST', `/api/v1/namespaces/${NS}/serviceaccounts/${sa}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });
  expect(r.status).toBe(201);
  return { token: (r.body as any).status.token, body: r.body };
}
async function review(token: string, audiences?: string[]): Promise<any> {
  const r = await k.adminRequest('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, ...(audiences ? { audiences } : {}) } });
  expect(r.status).toBe(201);
  return (r.body as any).status;
}
async function createPod(name: string): Promise<any> {
  const r = await k.adminRequest('POST', `/api/v1/namespaces/${NS}/pods`, { metadata: { name }, spec: { serviceAccountName: 'app', containers: [{ name: 'a', image: 'debian:12' }] } });
  expect(r.status).toBe(201);
  return r.body;
}
const podRef = (pod: any) => ({ kind: 'Pod', apiVersion: 'v1', name: pod.metadata.name, uid: pod.metadata.uid });

beforeAll(async () => {
  k = await start();
  await k.adminRequest('POST', '/api/v1/namespaces', { metadata: { name: NS } });
  await k.adminRequest('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { metadata: { name: 'app' } });
}, 60_000);
afterAll(async () => {
  await k?.stop();
});

test('a pod-bound token: user extras (pod, node, credential id), node claim, extended exp but status.expirationTimestamp = now + 3607 s', async () => {
  const pod = await createPod('web');
  const { token, body } = await tokenFor({ expirationSeconds: 3607, boundObjectRef: podRef(pod) });
  const c = claimsOf(token);
  expect(c.exp - c.iat).toBe(365 * 24 * 3600);
  expect(Date.parse(body.status.expirationTimestamp) / 1000).toBe(c.iat + 3607);
  const node = (await k.adminRequest('GET', `/api/v1/nodes/${pod.spec.nodeName}`)).body as any;
  expect(c['kubernetes.io'].node).toEqual({ name: node.metadata.name, uid: node.metadata.uid });
  const s = await review(token);
  expect(s.authenticated).toBe(true);
  expect(s.user.username).toBe(`system:serviceaccount:${NS}:app`);
  expect(s.user.groups).toEqual(['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated']);
  expect(s.user.extra).toEqual({
    'authentication.kubernetes.io/credential-id': [`JTI=${c.jti}`],
    'authentication.kubernetes.io/node-name': [node.metadata.name],
    'authentication.kubernetes.io/node-uid': [node.metadata.uid],
    'authentication.kubernetes.io/pod-name': ['web'],
    'authentication.kubernetes.io/pod-uid': [pod.metadata.uid],
  });
  const self = await k.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { token, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
  expect(self.status).toBe(201);
  expect((self.body as any).status.userInfo).toEqual(s.user);
});

test('expiry with 60 s leeway: valid at exp + 59 s, expired at exp + 61 s', async () => {
  const { token } = await tokenFor({ expirationSeconds: 600 });
  // to exp + 59 s (the emulated clock runs with real time: aim from now, in ms)
  await k.adminRequest('POST', '/_emulator/clock', { advanceSeconds: ((claimsOf(token).exp + 59) * 1000 - k.clock.now().getTime()) / 1000 });
  expect((await review(token)).authenticated).toBe(true);
  await k.adminRequest('POST', '/_emulator/clock', { advanceSeconds: 2 });
  expect((await review(token)).error).toBe('[invalid bearer token, service account token has expired]');
  expect((await k.request('GET', `/api/v1/namespaces/${NS}/pods`, { token })).status).toBe(401);
});

test('the ServiceAccount is checked before the pod: re-created SA → uid text; deleted pod → invalidated', async () => {
  const pod = await createPod('gone');
  const { token } = await tokenFor({ boundObjectRef: podRef(pod) });
  expect((await k.adminRequest('DELETE', `/api/v1/namespaces/${NS}/pods/gone`)).status).toBe(200);
  expect((await review(token)).error).toBe('[invalid bearer token, service account token has been invalidated]');
  const oldUid = claimsOf(token)['kubernetes.io'].serviceaccount.uid;
  await k.adminRequest('DELETE', `/api/v1/namespaces/${NS}/serviceaccounts/app`);
  expect((await review(token)).error).toBe('[invalid bearer token, serviceaccounts "app" not found]');
  const again = await k.adminRequest('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { metadata: { name: 'app' } });
  const newUid = (again.body as any).metadata.uid;
  expect((await review(token)).error).toBe(`[invalid bearer token, service account UID (${newUid}) does not match claim (${oldUid})]`);
});

test('audiences: a token for another audience is refused for the API and accepted by a review that names it', async () => {
  const { token } = await tokenFor({ audiences: ['vault'] });
  const apiAudiences = k.cluster.options.apiAudiences.length ? k.cluster.options.apiAudiences : [k.cluster.options.issuers[0]];
  expect((await review(token)).error).toBe(`[invalid bearer token, token audiences ["vault"] is invalid for the target audiences [${apiAudiences.map((a) => JSON.stringify(a)).join(' ')}]]`);
  const ok = await review(token, ['vault', 'other']);
  expect(ok.authenticated).toBe(true);
  expect(ok.audiences).toEqual(['vault']);
});

test('TokenReview without a token is a 400 with the registry\'s text', async () => {
  const r = await k.adminRequest('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: {} });
  expect(r.status).toBe(400);
  expect((r.body as any).message).toBe('token is required for TokenReview in authentication');
});

test('issuer discovery: the document, the JWKS with the signing key, cache headers', async () => {
  // system:service-account-issuer-discovery is bound to system:serviceaccounts only: anonymous is refused
  expect((await k.request('GET', '/.well-known/openid-configuration')).status).toBe(403);
  const { token } = await tokenFor({});
  const cfg = await k.request('GET', '/.well-known/openid-configuration', { token });
  expect(cfg.headers['cache-control']).toBe('public, max-age=3600');
  const doc = cfg.body as any;
  expect(doc.issuer).toBe(k.cluster.options.issuers[0]);
  expect(doc.response_types_supported).toEqual(['id_token']);
  expect(doc.subject_types_supported).toEqual(['public']);
  expect(doc.id_token_signing_alg_values_supported).toEqual(['RS256']);
  expect(new URL(doc.jwks_uri).pathname).toBe('/openid/v1/jwks');
  const jwks = await k.request('GET', '/openid/v1/jwks', { token });
  expect(jwks.headers['content-type']).toBe('application/jwk-set+json');
  const kid = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid;
  expect((jwks.body as any).keys).toContainEqual(expect.objectContaining({ kid, kty: 'RSA', alg: 'RS256', use: 'sig' }));
});
