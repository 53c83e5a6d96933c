import { authenticateBearer, aggregateError, goQuoteList } from './authenticate';
import { createTokenRequest } from './token-request';
import { issueLegacyToken } from './issue';
import { foreignSigner } from './keys';
import { reviewToken } from './token-review';
import { memoryHost, objects, type MemoryHost } from './memory-host';

const API = 'https://kubernetes.default.svc.cluster.local';

function cluster(opts: Parameters<typeof memoryHost>[0] = {}): MemoryHost {
  const host = memoryHost(opts);
  host.add(objects.serviceAccount('ns', 'app'));
  host.add(objects.node('node-1'));
  host.add(objects.pod('ns', 'web', { serviceAccountName: 'app', nodeName: 'node-1' }));
  host.add(objects.secret('ns', 'bound-secret'));
  return host;
}

function mint(host: MemoryHost, spec: Record<string, unknown> = {}): string {
  const r = createTokenRequest(host, 'ns', 'app', { spec });
  if (!r.ok) throw new Error(r.status.message);
  return r.tokenRequest.status.token;
}
const podRef = { kind: 'Pod', apiVersion: 'v1', name: 'web' };
const nowSec = (host: MemoryHost) => Math.floor(host.now().getTime() / 1000);

function claimsFor(host: MemoryHost, extra: Record<string, unknown> = {}) {
  const t = nowSec(host);
  return {
    iss: API,
    sub: 'system:serviceaccount:ns:app',
    aud: [API],
    iat: t,
    nbf: t,
    exp: t + 3600,
    jti: 'fixed-jti',
    'kubernetes.io': { namespace: 'ns', serviceaccount: { name: 'app', uid: 'sa-ns-app' } },
    ...extra,
  };
}

describe('error formatting helpers', () => {
  it("formats like Go's %q on []string and utilerrors.Aggregate", () => {
    expect(goQuoteList(['a', 'b'])).toBe('["a" "b"]');
    expect(aggregateError(['x'])).toBe('x');
    expect(aggregateError(['x', 'x'])).toBe('x');
    expect(aggregateError(['x', 'y'])).toBe('[x, y]');
  });
});

describe('a valid pod-bound token', () => {
  it('authenticates as the ServiceAccount with pod, node and credential-id extras', () => {
    const host = cluster();
    const token = mint(host, { boundObjectRef: podRef });
    const r = authenticateBearer(token, host);
    if (!r.ok) throw new Error(r.error);
    const jti = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti;
    expect(r.user).toEqual({
      username: 'system:serviceaccount:ns:app',
      uid: 'sa-ns-app',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:ns', 'system:authenticated'],
      extra: {
        'authentication.kubernetes.io/pod-name': ['web'],
        'authentication.kubernetes.io/pod-uid': ['pod-ns-web'],
        'authentication.kubernetes.io/credential-id': [`JTI=${jti}`],
        'authentication.kubernetes.io/node-name': ['node-1'],
        'authentication.kubernetes.io/node-uid': ['node-node-1'],
      },
    });
    expect(r.audiences).toEqual([API]);
    expect(r.auditAnnotations).toEqual({});
  });

  it('accepts tokens of every configured issuer but signs with the first', () => {
    const host = cluster({ issuers: ['https://new.example', 'https://old.example'], apiAudiences: ['https://new.example'] });
    expect(JSON.parse(Buffer.from(mint(host).split('.')[1]!, 'base64url').toString()).iss).toBe('https://new.example');
    const old = host.keys.sign(claimsFor(host, { iss: 'https://old.example', aud: ['https://new.example'] }));
    expect(authenticateBearer(old, host).ok).toBe(true);
  });
});

describe('rejections, in kube-apiserver order and words', () => {
  type Case = { name: string; token: (h: MemoryHost) => string; setup?: (h: MemoryHost) => void; audiences?: string[]; error: string };
  const cases: Case[] = [
    { name: 'not a JWT', token: () => 'abc', error: 'invalid bearer token' },
    { name: 'JSON instead of a JWT', token: () => '{"iss":"x"}', error: 'invalid bearer token' },
    { name: 'unknown issuer (no specific reason)', token: (h) => h.keys.sign(claimsFor(h, { iss: 'https://evil.example' })), error: 'invalid bearer token' },
    { name: 'unknown kid', token: (h) => foreignSigner().sign(claimsFor(h)), error: '[invalid bearer token, invalid signature, no keys found]' },
    {
      name: 'known kid, wrong signature',
      token: (h) => foreignSigner().sign(claimsFor(h), h.keys.kid),
      error: '[invalid bearer token, go-jose/go-jose: error in cryptographic primitive]',
    },
    {
      name: 'audience mismatch',
      token: (h) => mint(h, { audiences: ['vault'] }),
      error: `[invalid bearer token, token audiences ["vault"] is invalid for the target audiences ["${API}"]]`,
    },
    {
      name: 'audience mismatch against TokenReview audiences',
      token: (h) => mint(h),
      audiences: ['vault', 'sts'],
      error: `[invalid bearer token, token audiences ["${API}"] is invalid for the target audiences ["vault" "sts"]]`,
    },
    { name: 'expired beyond the 60 s leeway', token: (h) => mint(h, { expirationSeconds: 600 }), setup: (h) => h.advance(661), error: '[invalid bearer token, service account token has expired]' },
    { name: 'not valid yet', token: (h) => h.keys.sign(claimsFor(h, { nbf: nowSec(h) + 61 })), error: '[invalid bearer token, service account token is not valid yet]' },
    {
      name: 'issued in the future (nbf absent)',
      token: (h) => h.keys.sign(claimsFor(h, { nbf: undefined, iat: nowSec(h) + 61 })),
      error: '[invalid bearer token, service account token is issued in the future]',
    },
    { name: 'ServiceAccount missing', token: (h) => mint(h), setup: (h) => h.serviceAccounts.clear(), error: '[invalid bearer token, serviceaccounts "app" not found]' },
    {
      name: 'ServiceAccount recreated (uid)',
      token: (h) => mint(h),
      setup: (h) => h.add(objects.serviceAccount('ns', 'app', 'new-uid')),
      error: '[invalid bearer token, service account UID (new-uid) does not match claim (sa-ns-app)]',
    },
    {
      name: 'ServiceAccount deleting for more than 60 s',
      token: (h) => mint(h),
      setup: (h) => (h.getServiceAccount('ns', 'app')!.metadata.deletionTimestamp = new Date(h.now().getTime() - 61_000).toISOString()),
      error: '[invalid bearer token, service account ns/app has been deleted]',
    },
    { name: 'bound pod deleted', token: (h) => mint(h, { boundObjectRef: podRef }), setup: (h) => h.pods.clear(), error: '[invalid bearer token, service account token has been invalidated]' },
    {
      name: 'bound pod deleting for more than 60 s',
      token: (h) => mint(h, { boundObjectRef: podRef }),
      setup: (h) => (h.getPod('ns', 'web')!.metadata.deletionTimestamp = new Date(h.now().getTime() - 61_000).toISOString()),
      error: '[invalid bearer token, service account token has been invalidated]',
    },
    {
      name: 'bound pod recreated (uid)',
      token: (h) => mint(h, { boundObjectRef: podRef }),
      setup: (h) => h.add(objects.pod('ns', 'web', { uid: 'pod-2', serviceAccountName: 'app' })),
      error: '[invalid bearer token, pod UID (pod-2) does not match service account pod ref claim (pod-ns-web)]',
    },
    {
      name: 'bound secret deleted',
      token: (h) => mint(h, { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 'bound-secret' } }),
      setup: (h) => h.secrets.clear(),
      error: '[invalid bearer token, service account token has been invalidated]',
    },
    {
      name: 'bound secret recreated (uid)',
      token: (h) => mint(h, { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 'bound-secret' } }),
      setup: (h) => h.add(objects.secret('ns', 'bound-secret', 's-2')),
      error: '[invalid bearer token, secret UID (s-2) does not match service account secret ref claim (secret-ns-bound-secret)]',
    },
    {
      name: 'bound node deleted',
      token: (h) => mint(h, { boundObjectRef: { kind: 'Node', apiVersion: 'v1', name: 'node-1' } }),
      setup: (h) => h.nodes.clear(),
      error: '[invalid bearer token, service account token has been invalidated]',
    },
    {
      name: 'bound node recreated (uid)',
      token: (h) => mint(h, { boundObjectRef: { kind: 'Node', apiVersion: 'v1', name: 'node-1' } }),
      setup: (h) => h.add(objects.node('node-1', 'n-2')),
      error: '[invalid bearer token, node UID (n-2) does not match service account node ref claim (node-node-1)]',
    },
    {
      name: 'UID is checked before deletion (upstream order)',
      token: (h) => mint(h),
      setup: (h) => {
        const sa = objects.serviceAccount('ns', 'app', 'new-uid');
        sa.metadata.deletionTimestamp = new Date(0).toISOString();
        h.add(sa);
      },
      error: '[invalid bearer token, service account UID (new-uid) does not match claim (sa-ns-app)]',
    },
    {
      name: 'time is checked before the ServiceAccount',
      token: (h) => mint(h, { expirationSeconds: 600 }),
      setup: (h) => {
        h.serviceAccounts.clear();
        h.advance(3600);
      },
      error: '[invalid bearer token, service account token has expired]',
    },
  ];
  it.each(cases)('$name', ({ token, setup, audiences, error }) => {
    const host = cluster();
    const t = token(host);
    setup?.(host);
    const r = authenticateBearer(t, host, { audiences });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toBe(error);
  });

  it('the 60 s leeway: accepted 59 s after exp and while the pod has been deleting for 59 s', () => {
    const host = cluster();
    const t = mint(host, { expirationSeconds: 600, boundObjectRef: podRef });
    host.advance(659);
    host.getPod('ns', 'web')!.metadata.deletionTimestamp = new Date(host.now().getTime() - 59_000).toISOString();
    expect(authenticateBearer(t, host).ok).toBe(true);
  });
});

describe('stale extended tokens', () => {
  it('are accepted past warnafter with the stale-token audit annotation', () => {
    const host = cluster();
    const t = mint(host, { expirationSeconds: 3607, boundObjectRef: podRef });
    host.advance(3607 + 100);
    const r = authenticateBearer(t, host);
    if (!r.ok) throw new Error(r.error);
    expect(r.auditAnnotations['authentication.k8s.io/stale-token']).toBe('subject: system:serviceaccount:ns:app, seconds after warning threshold: 100');
  });
  it('fail after about an hour when the extension is off', () => {
    const host = cluster({ extendTokenExpiration: false });
    const t = mint(host, { expirationSeconds: 3607, boundObjectRef: podRef });
    host.advance(3607 + 61);
    const r = authenticateBearer(t, host);
    expect(r.ok ? '' : r.error).toBe('[invalid bearer token, service account token has expired]');
  });
});

describe('legacy Secret-based tokens', () => {
  function legacyCluster(autoGenerated: boolean) {
    const host = cluster();
    const sa = host.getServiceAccount('ns', 'app')!;
    if (autoGenerated) sa.secrets = [{ name: 'app-token-abcde' }];
    const { token } = issueLegacyToken(host.keys, sa, 'app-token-abcde');
    host.add(
      objects.secret('ns', 'app-token-abcde', 'legacy-uid', {
        type: 'kubernetes.io/service-account-token',
        data: { token: Buffer.from(token).toString('base64') },
        metadata: { namespace: 'ns', name: 'app-token-abcde', uid: 'legacy-uid', annotations: { 'kubernetes.io/service-account.name': 'app' } },
      }),
    );
    return { host, token };
  }

  it('have the flat legacy claims and no exp', () => {
    const { token } = legacyCluster(false);
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())).toEqual({
      iss: 'kubernetes/serviceaccount',
      'kubernetes.io/serviceaccount/namespace': 'ns',
      'kubernetes.io/serviceaccount/secret.name': 'app-token-abcde',
      'kubernetes.io/serviceaccount/service-account.name': 'app',
      'kubernetes.io/serviceaccount/service-account.uid': 'sa-ns-app',
      sub: 'system:serviceaccount:ns:app',
    });
  });

  it('a manual one authenticates, is audited, and gets the last-used label at most daily', () => {
    const { host, token } = legacyCluster(false);
    const r = authenticateBearer(token, host);
    if (!r.ok) throw new Error(r.error);
    expect(r.user).toEqual({ username: 'system:serviceaccount:ns:app', uid: 'sa-ns-app', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns', 'system:authenticated'] });
    expect(r.warnings).toEqual([]);
    expect(r.auditAnnotations).toEqual({
      'authentication.k8s.io/legacy-token': 'system:serviceaccount:ns:app',
      'authentication.k8s.io/legacy-token-manual-secret': 'app-token-abcde',
    });
    expect(host.getSecret('ns', 'app-token-abcde')!.metadata.labels).toEqual({ 'kubernetes.io/legacy-token-last-used': '2026-11-28' });
    authenticateBearer(token, host);
    expect(host.labelPatches).toHaveLength(1);
    host.advance(24 * 3600);
    authenticateBearer(token, host);
    expect(host.labelPatches.map((p) => p.labels)).toEqual([{ 'kubernetes.io/legacy-token-last-used': '2026-11-28' }, { 'kubernetes.io/legacy-token-last-used': '2026-11-29' }]);
  });

  it('an auto-generated one answers with the warning header', () => {
    const { host, token } = legacyCluster(true);
    const r = authenticateBearer(token, host);
    if (!r.ok) throw new Error(r.error);
    expect(r.warnings).toEqual(['Use tokens from the TokenRequest API or manually created secret-based tokens instead of auto-generated secret-based tokens.']);
    expect(r.auditAnnotations['authentication.k8s.io/legacy-token-autogenerated-secret']).toBe('app-token-abcde');
    expect(r.legacySecret).toEqual({ namespace: 'ns', name: 'app-token-abcde', autoGenerated: true });
  });

  const legacyCases: Array<{ name: string; setup: (h: MemoryHost) => void; error: string }> = [
    { name: 'Secret deleted', setup: (h) => h.secrets.delete('ns/app-token-abcde'), error: '[invalid bearer token, Token has been invalidated]' },
    { name: 'Secret deleting', setup: (h) => (h.getSecret('ns', 'app-token-abcde')!.metadata.deletionTimestamp = h.now().toISOString()), error: '[invalid bearer token, Token has been invalidated]' },
    {
      name: 'Secret holds another token',
      setup: (h) => (h.getSecret('ns', 'app-token-abcde')!.data = { token: Buffer.from('other').toString('base64') }),
      error: "[invalid bearer token, Token does not match server's copy]",
    },
    { name: 'ServiceAccount missing', setup: (h) => h.serviceAccounts.clear(), error: '[invalid bearer token, serviceaccounts "app" not found]' },
    {
      name: 'ServiceAccount recreated',
      setup: (h) => h.add(objects.serviceAccount('ns', 'app', 'new-uid')),
      error: '[invalid bearer token, ServiceAccount UID (new-uid) does not match claim (sa-ns-app)]',
    },
    {
      name: 'invalid-since label',
      setup: (h) => (h.getSecret('ns', 'app-token-abcde')!.metadata.labels = { 'kubernetes.io/legacy-token-invalid-since': '2026-11-01' }),
      error:
        "[invalid bearer token, the token in secret ns/app-token-abcde for service account ns/app has been marked invalid. Use tokens from the TokenRequest API or manually created secret-based tokens, or remove the 'kubernetes.io/legacy-token-invalid-since' label from the secret to temporarily allow use of this token]",
    },
  ];
  it.each(legacyCases)('$name', ({ setup, error }) => {
    const { host, token } = legacyCluster(true);
    setup(host);
    const r = authenticateBearer(token, host);
    expect(r.ok ? '' : r.error).toBe(error);
  });

  it('an invalidated token still records its use', () => {
    const { host, token } = legacyCluster(true);
    host.getSecret('ns', 'app-token-abcde')!.metadata.labels = { 'kubernetes.io/legacy-token-invalid-since': '2026-11-01' };
    const r = authenticateBearer(token, host);
    expect(r.auditAnnotations['authentication.k8s.io/legacy-token-invalidated']).toBe('app-token-abcde/ns');
    expect(host.getSecret('ns', 'app-token-abcde')!.metadata.labels?.['kubernetes.io/legacy-token-last-used']).toBe('2026-11-28');
  });
});

describe('TokenReview', () => {
  it('puts the aggregate error verbatim in status.error', () => {
    const host = cluster();
    const t = mint(host, { boundObjectRef: podRef });
    host.pods.clear();
    const r = reviewToken(host, { spec: { token: t } });
    if (!r.ok) throw new Error(r.status.message);
    expect(r.tokenReview.status).toEqual({ user: {}, error: '[invalid bearer token, service account token has been invalidated]' });
  });
  it('reviews against spec.audiences and reports the intersection', () => {
    const host = cluster();
    const t = mint(host, { audiences: ['vault', 'other'] });
    const r = reviewToken(host, { spec: { token: t, audiences: ['vault'] } });
    if (!r.ok) throw new Error(r.status.message);
    expect(r.tokenReview.status.authenticated).toBe(true);
    expect(r.tokenReview.status.audiences).toEqual(['vault']);
    expect(r.tokenReview.status.user.username).toBe('system:serviceaccount:ns:app');
  });
  it('refuses an empty token with 400', () => {
    const r = reviewToken(cluster(), { spec: {} });
    expect(r.ok ? undefined : r.status).toMatchObject({ code: 400, reason: 'BadRequest', message: 'token is required for TokenReview in authentication' });
  });
});
