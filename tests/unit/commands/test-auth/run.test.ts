import { testAuthCommand } from '../../../../src/cli/commands/test-auth';
import type { CliContext } from '../../../../src/cli/command';
import { testAuthOptions, type TestAuthFlags } from '../../../../src/commands/test-auth/options';
import { runTestAuth } from '../../../../src/commands/test-auth/run';
import { render } from '../../../../src/output/render';
import { jwksOf, KEYS, makeBoundToken, makeExternalToken, newKey, TEST_ISSUER } from '../../../support/tokens';
import { apiError, fakeDeps, forbidden, NOW, unauthorized, unreachable, type Call, type FakeCluster } from './fakes';

const SA_USER = {
  username: 'system:serviceaccount:default:app',
  uid: '5a0b6a8e-7c8e-4d0e-9d1f-3c4b5a6d7e8f',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
  extra: { 'authentication.kubernetes.io/pod-name': ['web-7d4b9c-x2x9q'] },
};
const discovery = { getRaw: (path: string) => (path === '/.well-known/openid-configuration' ? { issuer: TEST_ISSUER, jwks_uri: `${TEST_ISSUER}/openid/v1/jwks` } : jwksOf(KEYS.rsa)) };
const accepted = { status: { authenticated: true, user: SA_USER, audiences: [TEST_ISSUER] } };
const refused = (error: string) => ({ status: { authenticated: false, error } });
const asTokenOk = { createSelfSubjectReview: () => ({ status: { userInfo: SA_USER } }), listPods: () => ({ items: [] }), createSelfSubjectAccessReview: () => ({ status: { allowed: true } }) };
const asTokenRefused = { createSelfSubjectReview: () => { throw unauthorized(); }, listPods: () => { throw unauthorized(); }, createSelfSubjectAccessReview: () => { throw unauthorized(); } };

async function testAuth(flags: TestAuthFlags, cluster: FakeCluster) {
  const calls: Call[] = [];
  const outcome = await runTestAuth(testAuthOptions(flags), fakeDeps(cluster, calls));
  return { outcome, result: outcome.result, calls };
}

describe('test-auth verdicts (fake API server)', () => {
  const token = makeBoundToken({ issuedAt: new Date(NOW.getTime() - 60_000) });

  test('authenticated: every step passes; the calls are made as caller (review) and as the token (the rest)', async () => {
    const { result, outcome, calls } = await testAuth({ token }, { caller: { ...discovery, createTokenReview: () => accepted }, asToken: () => asTokenOk });
    expect(result.verdict).toBe('authenticated');
    expect(result.reason).toBe('the token authenticates as system:serviceaccount:default:app; it may list pods in namespace default');
    expect(result.user).toEqual(SA_USER);
    expect(result.steps.map((s) => [s.id, s.status, s.httpStatus])).toEqual([
      ['decode', 'pass', null],
      ['tokenreview', 'pass', 201],
      ['selfsubjectreview', 'pass', 201],
      ['api-request', 'pass', 200],
    ]);
    expect(result.steps[0].message).toMatch(/signature verified/);
    expect(outcome.problem).toBe(false);
    expect(calls.map((c) => `${c.as}.${c.method}`)).toEqual([
      'caller.getRaw', 'caller.getRaw', 'caller.createTokenReview', 'token.createSelfSubjectReview', 'token.listPods',
    ]);
    expect(calls[2].args).toEqual([token, undefined]);
    expect(calls[4].args).toEqual(['default', { limit: 1, singlePage: true }]);
  });

  test('forbidden: list pods answers 403; the fix is the RoleBinding', async () => {
    const { result, outcome } = await testAuth({ token }, {
      caller: { ...discovery, createTokenReview: () => accepted },
      asToken: () => ({ ...asTokenOk, listPods: () => { throw forbidden('pods is forbidden: User "system:serviceaccount:default:app" cannot list resource "pods" in API group "" in the namespace "default"'); } }),
    });
    expect(result.verdict).toBe('forbidden');
    expect(result.reason).toMatch(/authenticates as system:serviceaccount:default:app, but RBAC refuses: list pods in namespace default/);
    expect(result.fix).toBe('kubectl create role app-list-pods --verb=list --resource=pods -n default && kubectl create rolebinding app-list-pods --role=app-list-pods --serviceaccount=default:app -n default');
    expect(outcome.problem).toBe(true);
  });

  test('with --can, the access reviews decide: one denied → forbidden, naming only that one', async () => {
    const calls: Call[] = [];
    const c: FakeCluster = {
      caller: { ...discovery, createTokenReview: () => accepted },
      asToken: () => ({ ...asTokenOk, createSelfSubjectAccessReview: (a) => ({ status: { allowed: a.resource === 'pods', reason: '' } }) }),
    };
    const outcome = await runTestAuth(testAuthOptions({ token, can: ['list', 'pods', 'get', 'secrets'] }), fakeDeps(c, calls));
    expect(outcome.result.verdict).toBe('forbidden');
    expect(outcome.result.reason).toMatch(/RBAC refuses: get secrets in namespace default \(403/);
    expect(outcome.result.fix).toMatch(/^kubectl create role app-get-secrets --verb=get --resource=secrets -n default/);
    expect(calls.filter((x) => x.method === 'createSelfSubjectAccessReview').map((x) => x.args[0])).toEqual([
      { verb: 'list', resource: 'pods', namespace: 'default' },
      { verb: 'get', resource: 'secrets', namespace: 'default' },
    ]);
  });

  test('unauthenticated: the TokenReview\'s status.error verbatim, and its fix', async () => {
    const expired = makeBoundToken({ issuedAt: new Date(NOW.getTime() - 2 * 3600_000) });
    const { result, outcome } = await testAuth({ token: expired }, {
      caller: { ...discovery, createTokenReview: () => refused('[invalid bearer token, service account token has expired]') },
      asToken: () => asTokenRefused,
    });
    expect(result.verdict).toBe('unauthenticated');
    expect(result.reason).toBe('the API server refuses the token: [invalid bearer token, service account token has expired]');
    expect(result.fix).toMatch(/kubelet should have replaced this token.*kubectl delete pod web-7d4b9c-x2x9q -n default/);
    expect(result.steps.find((s) => s.id === 'tokenreview')).toMatchObject({ status: 'fail', httpStatus: 201, message: '[invalid bearer token, service account token has expired]' });
    expect(result.steps.find((s) => s.id === 'decode')).toMatchObject({ status: 'fail', message: expect.stringMatching(/token-expired/) });
    expect(outcome.problem).toBe(true);
  });

  test('unauthenticated, TokenReview forbidden to the caller: skipped with the reason; the local findings explain the 401', async () => {
    const foreign = makeBoundToken({ key: newKey(), issuedAt: new Date(NOW.getTime() - 60_000) });
    const { result } = await testAuth({ token: foreign }, { caller: { ...discovery, createTokenReview: () => { throw forbidden(); } }, asToken: () => asTokenRefused });
    expect(result.steps.find((s) => s.id === 'tokenreview')).toMatchObject({ status: 'skip', httpStatus: 403, message: expect.stringMatching(/system:auth-delegator/) });
    expect(result.verdict).toBe('unauthenticated');
    expect(result.reason).toMatch(/^401 Unauthorized; the token itself says why: .*/);
    expect(result.steps[0].message).toMatch(/signature invalid/);
  });

  test('unauthenticated with no reason anywhere: says how to get the API server\'s reason', async () => {
    const { result } = await testAuth({ token }, {
      caller: { getRaw: () => { throw forbidden(); }, createTokenReview: () => { throw forbidden(); } },
      asToken: () => asTokenRefused,
    });
    expect(result.verdict).toBe('unauthenticated');
    expect(result.reason).toMatch(/tells the client no reason.*create tokenreviews/);
    expect(result.steps[0].message).not.toMatch(/signature/); // keys not readable: not checked
  });

  test('--audience vault: accepted for Vault by the TokenReview, refused by the Kubernetes API → authenticated, and said plainly', async () => {
    const vault = makeBoundToken({ audiences: ['vault'], issuedAt: new Date(NOW.getTime() - 60_000) });
    const calls: Call[] = [];
    const c: FakeCluster = { caller: { ...discovery, createTokenReview: () => ({ status: { authenticated: true, user: SA_USER, audiences: ['vault'] } }) }, asToken: () => asTokenRefused };
    const { result } = await runTestAuth(testAuthOptions({ token: vault, audience: ['vault'] }), fakeDeps(c, calls)).then((o) => ({ result: o.result }));
    expect(calls.find((x) => x.method === 'createTokenReview')!.args).toEqual([vault, ['vault']]);
    expect(result.verdict).toBe('authenticated');
    expect(result.reason).toMatch(/authenticates for "vault", but the Kubernetes API answers it with 401.*cannot call the Kubernetes API/);
  });

  test('a token for Vault tested without --audience: unauthenticated with the audience reason', async () => {
    const vault = makeBoundToken({ audiences: ['vault'], issuedAt: new Date(NOW.getTime() - 60_000) });
    const { result } = await testAuth({ token: vault }, {
      caller: { ...discovery, createTokenReview: () => refused('[invalid bearer token, token audiences ["vault"] is invalid for the target audiences ["https://kubernetes.default.svc.cluster.local"]]') },
      asToken: () => asTokenRefused,
    });
    expect(result.verdict).toBe('unauthenticated');
    expect(result.fix).toMatch(/request one without --audience \(kubectl create token app -n default\)/);
  });

  test('error: the API server is unreachable (TLS) → one attempt, the rest not tried, exit 1 from the cli', async () => {
    const calls: Call[] = [];
    const c: FakeCluster = { caller: { getRaw: () => { throw unreachable(); } } };
    const { result } = await runTestAuth(testAuthOptions({ token }), fakeDeps(c, calls));
    expect(result.verdict).toBe('error');
    expect(result.reason).toBe('could not reach the API server at https://127.0.0.1:6443: x509: certificate signed by unknown authority — a TLS problem, not a token problem');
    expect(result.steps.slice(1).every((s) => s.status === 'skip')).toBe(true);
    expect(calls.map((x) => x.method)).toEqual(['getRaw']);

    const ctx = { deps: fakeDeps(c, []), format: 'table', flags: { requestTimeoutMs: 0 }, sys: {} } as unknown as CliContext;
    expect((await testAuthCommand.run({ TOKEN: token }, ctx)).exitCode).toBe(1);
  });

  test('a network failure in the middle: the verdict is error, naming a network problem', async () => {
    const { result } = await testAuth({ token }, {
      caller: { ...discovery, createTokenReview: () => { throw Object.assign(unreachable(), { cause_: 'connection refused' }); } },
      asToken: () => asTokenOk,
    });
    expect(result.verdict).toBe('error');
    expect(result.reason).toMatch(/connection refused — a network problem/);
  });

  test('an external (OIDC) token: decoded as external, judged by the API server', async () => {
    const oidc = makeExternalToken({ issuer: 'https://accounts.example.com', audiences: ['my-app'] });
    const { result } = await testAuth({ token: oidc }, { caller: { ...discovery, createTokenReview: () => refused('') }, asToken: () => asTokenRefused });
    expect(result.steps[0].message).toMatch(/^external token \(issuer https:\/\/accounts.example.com\)/);
    expect(result.verdict).toBe('unauthenticated');
  });

  test('an opaque (non-JWT) token is still tested by the API server; a malformed JWT is a usage error', async () => {
    const { result } = await testAuth({ token: 'static-token-0123456789' }, { caller: { ...discovery, createTokenReview: () => accepted }, asToken: () => asTokenOk });
    expect(result.steps[0]).toMatchObject({ status: 'skip', message: expect.stringMatching(/^not a JWT/) });
    expect(result.verdict).toBe('authenticated');
    await expect(testAuth({ token: 'eyJ!!.x.y' }, { caller: discovery })).rejects.toThrow(/cannot decode the token from argument/);
  });

  test('--mint: a fresh token for the ServiceAccount with the audiences under test', async () => {
    const calls: Call[] = [];
    const c: FakeCluster = {
      caller: { ...discovery, createToken: () => ({ tokenRequest: { status: { token, expirationTimestamp: NOW } }, warnings: [] }), createTokenReview: () => accepted },
      asToken: () => asTokenOk,
    };
    const o = await runTestAuth(testAuthOptions({ mint: 'app' }), fakeDeps(c, calls));
    expect(calls[0]).toEqual({ as: 'caller', method: 'createToken', args: ['shop', 'app', {}] });
    expect(o.result.source).toBe('TokenRequest for serviceaccount shop/app');
    await expect(runTestAuth(testAuthOptions({ mint: 'ghost' }), fakeDeps({ caller: { createToken: () => { throw apiError(404, 'NotFound', 'serviceaccounts "ghost" not found', { kind: 'serviceaccounts' }); } } }, []))).rejects.toMatchObject({
      hint: 'kubectl create serviceaccount ghost -n shop',
    });
  });

  test('the token under test appears in no rendering', async () => {
    const { result } = await testAuth({ token }, { caller: { ...discovery, createTokenReview: () => accepted }, asToken: () => asTokenOk });
    const signature = token.split('.')[2];
    for (const format of ['table', 'wide', 'json', 'yaml'] as const) {
      const text = await render(result, { format, color: false, now: NOW });
      expect(text).not.toContain(signature);
      expect(text).not.toContain(token.split('.')[1]);
    }
  });
});
