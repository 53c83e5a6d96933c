import { createTokenRequest } from './token-request';
import { memoryHost, objects, type MemoryHost } from './memory-host';

const payload = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));

function cluster(opts: Parameters<typeof memoryHost>[0] = {}): MemoryHost {
  const host = memoryHost(opts);
  host.add(objects.serviceAccount('ns', 'app'));
  host.add(objects.serviceAccount('ns', 'other'));
  host.add(objects.node('node-1'));
  host.add(objects.pod('ns', 'web', { serviceAccountName: 'app', nodeName: 'node-1' }));
  host.add(objects.pod('ns', 'orphan', { serviceAccountName: 'app', nodeName: 'gone-node' }));
  host.add(objects.secret('ns', 'bound-secret'));
  return host;
}

describe('TokenRequest metadata.uid', () => {
  it('the ServiceAccount\'s own uid is accepted; another is a 409 naming both', () => {
    const host = cluster();
    expect(createTokenRequest(host, 'ns', 'app', { metadata: { uid: 'sa-ns-app' } }).ok).toBe(true);
    const r = createTokenRequest(host, 'ns', 'app', { metadata: { uid: 'stale' } });
    if (r.ok) throw new Error('expected a refusal');
    expect({ code: r.status.code, reason: r.status.reason, message: r.status.message }).toEqual({
      code: 409, reason: 'Conflict',
      message: 'Operation cannot be fulfilled on TokenRequest.authentication.k8s.io "app": the UID in the token request (stale) does not match the UID of the service account (sa-ns-app)',
    });
  });
});

describe('TokenRequest defaults', () => {
  it('defaults to 3600 s, the API audiences, no bound object', () => {
    const host = cluster();
    const r = createTokenRequest(host, 'ns', 'app', {});
    if (!r.ok) throw new Error(r.status.message);
    const tr = r.tokenRequest;
    expect(tr.spec).toEqual({ audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: 3600, boundObjectRef: null });
    // The ServiceAccount's uid, as upstream fills it in (a real kube-apiserver answers so in tests/real/).
    expect(tr.metadata).toEqual({ name: 'app', namespace: 'ns', uid: 'sa-ns-app', creationTimestamp: '2026-11-28T16:00:00Z' });
    expect(tr.status.expirationTimestamp).toBe('2026-11-28T17:00:00Z');
    const c = payload(tr.status.token);
    expect(c.exp - c.iat).toBe(3600);
    expect(c.nbf).toBe(c.iat);
    expect(c.iss).toBe('https://kubernetes.default.svc.cluster.local');
    expect(c.sub).toBe('system:serviceaccount:ns:app');
    expect(c.jti).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(c['kubernetes.io']).toEqual({ namespace: 'ns', serviceaccount: { name: 'app', uid: 'sa-ns-app' } });
    expect(r.auditAnnotations['authentication.kubernetes.io/issued-credential-id']).toBe(`JTI=${c.jti}`);
    expect(r.warnings).toEqual([]);
  });

  it('serialises claims in sorted key order as go-jose does, with kid = SHA-256 of the SPKI', () => {
    const host = cluster();
    const r = createTokenRequest(host, 'ns', 'app', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } } });
    if (!r.ok) throw new Error(r.status.message);
    const [h, p] = r.tokenRequest.status.token.split('.');
    expect(Object.keys(JSON.parse(Buffer.from(h!, 'base64url').toString()))).toEqual(['alg', 'kid']);
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    expect(Object.keys(claims)).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub']);
    expect(Object.keys(claims['kubernetes.io'])).toEqual(['namespace', 'node', 'pod', 'serviceaccount']);
  });
});

describe('TokenRequest expiration limits (ValidateTokenRequest, --service-account-max-token-expiration)', () => {
  const cases: Array<{ name: string; seconds: number; max?: number; code?: number; message?: string; granted?: number; warning?: string }> = [
    { name: 'below 10 minutes', seconds: 599, code: 422, message: 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes' },
    { name: 'explicit zero', seconds: 0, code: 422, message: 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 0: may not specify a duration less than 10 minutes' },
    { name: 'exactly 10 minutes', seconds: 600, granted: 600 },
    { name: 'exactly 2^32', seconds: 2 ** 32, granted: 2 ** 32 },
    { name: 'above 2^32', seconds: 2 ** 32 + 1, code: 422, message: 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds' },
    { name: 'shortened by the max', seconds: 86400, max: 7200, granted: 7200, warning: 'requested expiration of 86400 seconds shortened to 7200 seconds' },
    { name: 'at the max', seconds: 7200, max: 7200, granted: 7200 },
    { name: 'validation precedes shortening', seconds: 2 ** 32 + 1, max: 7200, code: 422 },
  ];
  it.each(cases)('$name', ({ seconds, max, code, message, granted, warning }) => {
    const host = cluster({ maxTokenExpirationSeconds: max });
    const r = createTokenRequest(host, 'ns', 'app', { spec: { expirationSeconds: seconds } });
    if (code) {
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.status.code).toBe(code);
      expect(r.status.reason).toBe('Invalid');
      if (message) expect(r.status.message).toBe(message);
      expect(r.status.details).toMatchObject({ group: 'authentication.k8s.io', kind: 'TokenRequest' });
      expect(r.status.details?.causes?.[0]).toMatchObject({ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds' });
      return;
    }
    if (!r.ok) throw new Error(r.status.message);
    expect(r.tokenRequest.spec.expirationSeconds).toBe(granted);
    const c = payload(r.tokenRequest.status.token);
    expect(c.exp - c.iat).toBe(granted);
    expect(r.warnings).toEqual(warning ? [warning] : []);
  });
});

describe('extended expiration (--service-account-extend-token-expiration)', () => {
  const YEAR = 24 * 365 * 3600;
  const pod = { kind: 'Pod', apiVersion: 'v1', name: 'web' };
  const cases = [
    { name: 'pod-bound, 3607 s, API audience → 1 year + warnafter', spec: { expirationSeconds: 3607, boundObjectRef: pod }, extended: true },
    { name: 'explicit API audience still extends', spec: { expirationSeconds: 3607, audiences: ['https://kubernetes.default.svc.cluster.local'], boundObjectRef: pod }, extended: true },
    { name: 'other audience → not extended', spec: { expirationSeconds: 3607, audiences: ['vault'], boundObjectRef: pod }, extended: false },
    { name: '3600 s → not extended', spec: { expirationSeconds: 3600, boundObjectRef: pod }, extended: false },
    { name: 'not pod-bound → not extended', spec: { expirationSeconds: 3607 }, extended: false },
    { name: 'secret-bound → not extended', spec: { expirationSeconds: 3607, boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 'bound-secret' } }, extended: false },
    { name: 'extension disabled', spec: { expirationSeconds: 3607, boundObjectRef: pod }, extended: false, disabled: true },
  ];
  it.each(cases)('$name', ({ spec, extended, disabled }) => {
    const host = cluster({ extendTokenExpiration: !disabled });
    const r = createTokenRequest(host, 'ns', 'app', { spec });
    if (!r.ok) throw new Error(r.status.message);
    const c = payload(r.tokenRequest.status.token);
    // status.expirationTimestamp always says the requested lifetime.
    expect(Date.parse(r.tokenRequest.status.expirationTimestamp) - host.now().getTime()).toBe(spec.expirationSeconds * 1000);
    expect(r.tokenRequest.spec.expirationSeconds).toBe(spec.expirationSeconds);
    if (extended) {
      expect(c.exp - c.iat).toBe(YEAR);
      expect(c['kubernetes.io'].warnafter).toBe(c.iat + 3607);
    } else {
      expect(c.exp - c.iat).toBe(spec.expirationSeconds);
      expect(c['kubernetes.io'].warnafter).toBeUndefined();
    }
  });
});

describe('bound object references', () => {
  const cases = [
    {
      name: 'pod of another ServiceAccount',
      sa: 'other',
      ref: { kind: 'Pod', apiVersion: 'v1', name: 'web' },
      code: 400,
      reason: 'BadRequest',
      message: 'cannot bind token for serviceaccount "other" to pod running with different serviceaccount name.',
    },
    {
      name: 'pod uid mismatch',
      ref: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'stale-uid' },
      code: 409,
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on Pod "web": the UID in the bound object reference (stale-uid) does not match the UID in record. The object might have been deleted and then recreated',
    },
    { name: 'missing pod', ref: { kind: 'Pod', apiVersion: 'v1', name: 'nope' }, code: 404, reason: 'NotFound', message: 'pods "nope" not found' },
    { name: 'missing secret', ref: { kind: 'Secret', apiVersion: 'v1', name: 'nope' }, code: 404, reason: 'NotFound', message: 'secrets "nope" not found' },
    { name: 'missing node', ref: { kind: 'Node', apiVersion: 'v1', name: 'nope' }, code: 404, reason: 'NotFound', message: 'nodes "nope" not found' },
    {
      name: 'secret uid mismatch',
      ref: { kind: 'Secret', apiVersion: 'v1', name: 'bound-secret', uid: 'x' },
      code: 409,
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on Secret "bound-secret": the UID in the bound object reference (x) does not match the UID in record. The object might have been deleted and then recreated',
    },
    { name: 'unsupported kind', ref: { kind: 'Deployment', apiVersion: 'apps/v1', name: 'd' }, code: 400, reason: 'BadRequest', message: 'cannot bind token to object of type apps/v1, Kind=Deployment' },
  ];
  it.each(cases)('$name → $code', ({ sa, ref, code, reason, message }) => {
    const r = createTokenRequest(cluster(), 'ns', sa ?? 'app', { spec: { boundObjectRef: ref } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.status).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });
  });

  it('a pod-bound token carries the pod and its node (uid included)', () => {
    const host = cluster();
    const r = createTokenRequest(host, 'ns', 'app', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'pod-ns-web' } } });
    if (!r.ok) throw new Error(r.status.message);
    expect(payload(r.tokenRequest.status.token)['kubernetes.io']).toEqual({
      namespace: 'ns',
      serviceaccount: { name: 'app', uid: 'sa-ns-app' },
      pod: { name: 'web', uid: 'pod-ns-web' },
      node: { name: 'node-1', uid: 'node-node-1' },
    });
    expect(r.tokenRequest.spec.boundObjectRef).toEqual({ kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'pod-ns-web' });
  });

  it('a pod whose Node object is gone still gets the node name', () => {
    const r = createTokenRequest(cluster(), 'ns', 'app', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'orphan' } } });
    if (!r.ok) throw new Error(r.status.message);
    expect(payload(r.tokenRequest.status.token)['kubernetes.io'].node).toEqual({ name: 'gone-node' });
  });

  it('node-bound and secret-bound tokens carry only that object', () => {
    const host = cluster();
    const n = createTokenRequest(host, 'ns', 'app', { spec: { boundObjectRef: { kind: 'Node', apiVersion: 'v1', name: 'node-1' } } });
    const s = createTokenRequest(host, 'ns', 'app', { spec: { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 'bound-secret' } } });
    if (!n.ok || !s.ok) throw new Error('expected success');
    expect(payload(n.tokenRequest.status.token)['kubernetes.io'].node).toEqual({ name: 'node-1', uid: 'node-node-1' });
    expect(payload(s.tokenRequest.status.token)['kubernetes.io']).toEqual({
      namespace: 'ns',
      serviceaccount: { name: 'app', uid: 'sa-ns-app' },
      secret: { name: 'bound-secret', uid: 'secret-ns-bound-secret' },
    });
  });
});

describe('request errors before the token', () => {
  it('404 for a missing ServiceAccount, before validation', () => {
    const r = createTokenRequest(cluster(), 'ns', 'ghost', { spec: { expirationSeconds: 1 } });
    expect(r.ok ? undefined : r.status).toMatchObject({ code: 404, reason: 'NotFound', message: 'serviceaccounts "ghost" not found', details: { name: 'ghost', kind: 'serviceaccounts' } });
  });
  it('422 when the body names another ServiceAccount', () => {
    const r = createTokenRequest(cluster(), 'ns', 'app', { metadata: { name: 'other' } });
    expect(r.ok ? undefined : r.status).toMatchObject({
      code: 422,
      message: 'TokenRequest.authentication.k8s.io "app" is invalid: metadata.name: Invalid value: "other": must match the service account name if specified',
    });
  });
});
