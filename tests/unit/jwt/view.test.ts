import { classify, kubernetesView, parseToken } from '../../../src/jwt';
import { KEYS, TEST_ISSUER, TEST_NOW, makeBoundToken, makeExternalToken, makeLegacyToken } from '../../support/tokens';

const view = (token: string, now = TEST_NOW) => kubernetesView(parseToken(token).claims, now);
const sa = { name: 'app', uid: '5a0b6a8e-7c8e-4d0e-9d1f-3c4b5a6d7e8f' };

describe('classify', () => {
  it.each([
    ['a pod-bound token', makeBoundToken(), 'bound'],
    ['an unbound TokenRequest token', makeBoundToken({ boundTo: null }), 'bound'],
    ['an ES256 bound token', makeBoundToken({ key: KEYS.ec }), 'bound'],
    ['a legacy Secret token', makeLegacyToken(), 'legacy'],
    ['a legacy issuer even with a kubernetes.io claim', makeLegacyToken({ claims: { 'kubernetes.io': {} } }), 'legacy'],
    ['an OIDC id_token', makeExternalToken(), 'external'],
    ['flat legacy claims under another issuer', makeLegacyToken({ claims: { iss: 'https://x' } }), 'external'],
  ])('%s → %s', (_n, token, type) => {
    expect(classify(parseToken(token).claims)).toBe(type);
  });
});

describe('kubernetesView', () => {
  it('a pod-bound token: pod, node, times in RFC 3339 UTC, expiresInSeconds against the clock', () => {
    const issuedAt = new Date('2026-11-28T15:41:00Z');
    const v = view(makeBoundToken({ issuedAt, expirationSeconds: 3600, audiences: ['a', 'b'] }));
    expect(v).toEqual({
      type: 'bound',
      issuer: TEST_ISSUER,
      subject: 'system:serviceaccount:default:app',
      namespace: 'default',
      serviceAccount: sa,
      audiences: ['a', 'b'],
      issuedAt: '2026-11-28T15:41:00Z',
      notBefore: '2026-11-28T15:41:00Z',
      expiresAt: '2026-11-28T16:41:00Z',
      expiresInSeconds: 41 * 60,
      boundObject: { kind: 'Pod', name: 'web-7d4b9c-x2x9q', uid: 'c0ffee00-1111-4222-8333-444455556666' },
      node: { name: 'node-1', uid: '0d0e0f10-aaaa-4bbb-8ccc-dddddddddddd' },
      warnAfter: null,
      jti: '8f2b6c1e-3d4a-4e5f-9a6b-7c8d9e0f1a2b',
    });
  });

  it('an extended token (3607 s asked, a year given) carries warnafter', () => {
    const issuedAt = new Date('2026-11-28T12:00:00Z');
    const v = view(makeBoundToken({ issuedAt, expirationSeconds: 365 * 86400, warnAfterSeconds: 3607 }));
    expect(v.warnAfter).toBe('2026-11-28T13:00:07Z');
    expect(v.expiresAt).toBe('2027-11-28T12:00:00Z');
  });

  it.each([
    ['Secret', { kind: 'Secret' as const, name: 's', uid: 'u1' }, null],
    ['Node', { kind: 'Node' as const, name: 'n', uid: 'u2' }, { name: 'n', uid: 'u2' }],
  ])('a %s-bound token', (kind, boundTo, node) => {
    const v = view(makeBoundToken({ boundTo }));
    expect(v.boundObject).toEqual({ kind, name: boundTo.name, uid: boundTo.uid });
    expect(v.node).toEqual(node);
  });

  it('an unbound token has no bound object and no node', () => {
    const v = view(makeBoundToken({ boundTo: null }));
    expect(v.boundObject).toBeNull();
    expect(v.node).toBeNull();
  });

  it('a legacy token: flat claims, the Secret as bound object without uid, no times', () => {
    const v = view(makeLegacyToken({ namespace: 'ci', serviceAccount: { name: 'deployer', uid: 'u-9' }, secretName: 'deployer-token-abcde' }));
    expect(v).toMatchObject({
      type: 'legacy',
      issuer: 'kubernetes/serviceaccount',
      namespace: 'ci',
      serviceAccount: { name: 'deployer', uid: 'u-9' },
      boundObject: { kind: 'Secret', name: 'deployer-token-abcde', uid: null },
      audiences: [],
      issuedAt: null,
      notBefore: null,
      expiresAt: null,
      expiresInSeconds: null,
      warnAfter: null,
      jti: null,
      node: null,
    });
  });

  it('an external token: no Kubernetes identity; a string aud becomes a list', () => {
    const v = view(makeExternalToken({ audiences: 'client-1' }));
    expect(v).toMatchObject({ type: 'external', namespace: null, serviceAccount: null, boundObject: null, node: null, audiences: ['client-1'] });
  });

  it('an expired token has a negative expiresInSeconds; fractional dates are truncated as go-jose does', () => {
    const v = view(makeExternalToken({ claims: { exp: Date.parse('2026-11-28T13:00:00Z') / 1000 + 0.9 } }));
    expect(v.expiresAt).toBe('2026-11-28T13:00:00Z');
    expect(v.expiresInSeconds).toBe(-3 * 3600);
  });
});
