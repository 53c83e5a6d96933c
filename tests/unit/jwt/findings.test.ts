import { judge, kubernetesView, parseToken, type Finding, type JudgeContext } from '../../../src/jwt';
import { TEST_ISSUER, TEST_NOW, makeBoundToken, makeExternalToken, makeLegacyToken } from '../../support/tokens';

const at = (iso: string) => new Date(iso);
function findings(token: string, ctx: Partial<JudgeContext> = {}): Finding[] {
  const { claims } = parseToken(token);
  const now = ctx.now ?? TEST_NOW;
  return judge(claims, kubernetesView(claims, now), { now, ...ctx });
}
const ids = (token: string, ctx: Partial<JudgeContext> = {}) => findings(token, ctx).map((f) => `${f.id}:${f.severity}`);

const issuedAt = at('2026-11-28T15:00:00Z');
const oneHour = makeBoundToken({ issuedAt, expirationSeconds: 3600 }); // exp 16:00:00

describe('time, with kube-apiserver\'s 60 s leeway (go-jose)', () => {
  it.each([
    ['valid an hour before exp', '2026-11-28T15:00:00Z', []],
    ['at exp exactly', '2026-11-28T16:00:00Z', []],
    ['59 s past exp: inside the leeway', '2026-11-28T16:00:59Z', []],
    ['60 s past exp: still accepted (strictly after)', '2026-11-28T16:01:00Z', []],
    ['61 s past exp: expired', '2026-11-28T16:01:01Z', ['token-expired:error']],
    ['3 h past exp', '2026-11-28T19:00:00Z', ['token-expired:error']],
    ['60 s before nbf/iat: accepted', '2026-11-28T14:59:00Z', []],
    ['61 s before nbf: not valid yet', '2026-11-28T14:58:59Z', ['token-not-yet-valid:error']],
  ])('%s', (_n, now, expected) => {
    expect(ids(oneHour, { now: at(now) })).toEqual(expected);
  });

  it('quotes the API server and says how long ago', () => {
    const [f] = findings(oneHour, { now: at('2026-11-28T19:00:00Z') });
    expect(f.message).toBe('expired 3h ago (2026-11-28T16:00:00Z); kube-apiserver refuses it: "service account token has expired"');
    expect(f.fix).toContain('kubectl delete pod web-7d4b9c-x2x9q -n default');
    expect(f.fix).toContain('node-1');
  });

  it('an expired unbound token: the fix requests a new one for the same audiences', () => {
    const t = makeBoundToken({ issuedAt, boundTo: null, audiences: ['vault'], namespace: 'ci', serviceAccount: { name: 'bot', uid: 'u' } });
    const [f] = findings(t, { now: at('2026-11-29T00:00:00Z') });
    expect(f.fix).toContain('kubectl create token bot -n ci --audience vault');
  });

  it('iat in the future without nbf: "issued in the future"', () => {
    const t = makeBoundToken({ issuedAt: at('2026-11-28T16:10:00Z'), claims: { nbf: undefined } });
    const [f] = findings(t);
    expect(f.id).toBe('token-not-yet-valid');
    expect(f.message).toContain('"service account token is issued in the future"');
  });

  it('nbf and iat both in the future give one finding, the nbf one (go-jose checks nbf first)', () => {
    const t = makeBoundToken({ issuedAt: at('2026-11-28T16:10:00Z') });
    const fs = findings(t);
    expect(fs.map((f) => f.id)).toEqual(['token-not-yet-valid']);
    expect(fs[0].message).toContain('"service account token is not valid yet"');
  });

  it('an external token is judged on time too, without API server wording', () => {
    const t = makeExternalToken({ issuedAt: at('2026-11-28T10:00:00Z') });
    const [f] = findings(t);
    expect(f.id).toBe('token-expired');
    expect(f.message).not.toContain('kube-apiserver');
    expect(f.fix).toContain('https://accounts.example.com');
  });
});

describe('stale tokens (warnafter, extended expiry)', () => {
  const extended = makeBoundToken({ issuedAt, expirationSeconds: 365 * 86400, warnAfterSeconds: 3607 }); // warnafter 16:00:07

  it.each([
    ['before warnafter', '2026-11-28T16:00:00Z', []],
    ['at warnafter exactly (not after)', '2026-11-28T16:00:07Z', []],
    ['one second after warnafter', '2026-11-28T16:00:08Z', ['token-stale:warning']],
    ['a month later: still accepted, still stale', '2026-12-28T16:00:00Z', ['token-stale:warning']],
    ['past exp: expired, not also stale', '2027-11-29T16:00:00Z', ['token-expired:error']],
  ])('%s', (_n, now, expected) => {
    expect(ids(extended, { now: at(now) })).toEqual(expected);
  });

  it('says it is audited as stale-token and that the app must re-read the file', () => {
    const [f] = findings(extended, { now: at('2026-11-28T18:10:00Z') });
    expect(f.message).toContain('authentication.k8s.io/stale-token');
    expect(f.message).toContain('2h ago');
    expect(f.fix).toContain('re-read');
  });
});

describe('audiences (jwt.go: intersect with the target; no aud counts as the API audiences)', () => {
  it.each([
    ['no expectation: not judged', {}, []],
    ['one of several audiences matches', { expectedAudiences: ['b'] }, []],
    ['no audience matches', { expectedAudiences: ['https://kubernetes.default.svc'] }, ['audience-mismatch:error']],
  ])('%s', (_n, ctx, expected) => {
    expect(ids(makeBoundToken({ issuedAt: at('2026-11-28T15:50:00Z'), audiences: ['a', 'b'] }), ctx)).toEqual(expected);
  });

  it('uses the API server\'s words, Go-quoted', () => {
    const t = makeBoundToken({ issuedAt: at('2026-11-28T15:50:00Z'), audiences: ['vault'] });
    const [f] = findings(t, { expectedAudiences: ['https://kubernetes.default.svc'] });
    expect(f.message).toContain('token audiences ["vault"] is invalid for the target audiences ["https://kubernetes.default.svc"]');
    expect(f.fix).toContain('kubectl create token app -n default --audience https://kubernetes.default.svc');
  });

  it('a legacy token (no aud) is judged only when the API audiences are known', () => {
    const t = makeLegacyToken();
    const only = (fs: string[]) => fs.filter((x) => x.startsWith('audience'));
    expect(only(ids(t, { expectedAudiences: ['vault'] }))).toEqual([]);
    expect(only(ids(t, { expectedAudiences: ['vault'], apiAudiences: ['https://kubernetes.default.svc'] }))).toEqual(['audience-mismatch:error']);
    expect(only(ids(t, { expectedAudiences: ['https://kubernetes.default.svc'], apiAudiences: ['https://kubernetes.default.svc'] }))).toEqual([]);
  });
});

describe('issuer', () => {
  const fresh = { issuedAt: at('2026-11-28T15:50:00Z') };
  it.each([
    ['matches the only issuer', makeBoundToken(fresh), [TEST_ISSUER], []],
    ['matches the second of several issuers', makeBoundToken(fresh), ['https://new.example', TEST_ISSUER], []],
    ['differs', makeBoundToken(fresh), ['https://other.example'], ['issuer-mismatch:error']],
    ['has no iss', makeBoundToken({ ...fresh, claims: { iss: undefined } }), [TEST_ISSUER], ['issuer-mismatch:error']],
    ['a legacy token: its fixed issuer is always accepted', makeLegacyToken(), ['https://other.example'], ['token-legacy:warning']],
  ])('%s', (_n, token, expectedIssuers, expected) => {
    expect(ids(token, { expectedIssuers })).toEqual(expected);
  });

  it('an external token: says the ServiceAccount authenticator ignores it', () => {
    const [f] = findings(makeExternalToken(), { expectedIssuers: [TEST_ISSUER] });
    expect(f.id).toBe('issuer-mismatch');
    expect(f.message).toContain('issuer "https://accounts.example.com" is not the cluster\'s ServiceAccount issuer');
  });
});

describe('subject and required claims', () => {
  const fresh = { issuedAt: at('2026-11-28T15:50:00Z') };
  it.each([
    ['a well-formed bound token', makeBoundToken(fresh), []],
    ['bound: sub of another SA (the API server ignores sub)', makeBoundToken({ ...fresh, claims: { sub: 'system:serviceaccount:default:other' } }), ['subject-malformed:warning']],
    ['bound: sub not a SA user name', makeBoundToken({ ...fresh, claims: { sub: 'app' } }), ['subject-malformed:warning']],
    ['bound: no sub', makeBoundToken({ ...fresh, claims: { sub: undefined } }), ['subject-malformed:warning']],
    ['bound: no serviceaccount uid', makeBoundToken({ ...fresh, serviceAccount: { name: 'app', uid: '' } }), ['claims-missing:error']],
    ['bound: no namespace', makeBoundToken({ ...fresh, claims: { 'kubernetes.io': { serviceaccount: { name: 'app', uid: 'u' } } } }), ['claims-missing:error', 'subject-malformed:warning']],
    ['legacy: sub names another SA', makeLegacyToken({ claims: { sub: 'system:serviceaccount:default:other' } }), ['subject-malformed:error', 'token-legacy:warning']],
    ['legacy: invalid namespace in sub', makeLegacyToken({ claims: { sub: 'system:serviceaccount:Default:deployer' } }), ['subject-malformed:error', 'token-legacy:warning']],
    ['legacy: missing secret name', makeLegacyToken({ claims: { 'kubernetes.io/serviceaccount/secret.name': undefined } }), ['claims-missing:error', 'token-legacy:warning']],
    ['external: sub is not judged', makeExternalToken({ issuedAt: at('2026-11-28T15:50:00Z'), subject: 'x' }), []],
  ])('%s', (_n, token, expected) => {
    expect(ids(token)).toEqual(expected);
  });

  it('legacy: quotes "sub claim is invalid" / "sub claim is missing"', () => {
    expect(findings(makeLegacyToken({ claims: { sub: 'nope' } }))[0].message).toContain('"sub claim is invalid"');
    expect(findings(makeLegacyToken({ claims: { sub: undefined } }))[0].message).toContain('"sub claim is missing"');
  });
});

describe('legacy tokens', () => {
  it('never expire: one warning that names the Secret and the replacement', () => {
    const t = makeLegacyToken({ namespace: 'ci', serviceAccount: { name: 'deployer', uid: 'u' }, secretName: 'deployer-token-x1' });
    const fs = findings(t, { now: at('2036-01-01T00:00:00Z') });
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({ id: 'token-legacy', severity: 'warning' });
    expect(fs[0].message).toContain('Secret ci/deployer-token-x1');
    expect(fs[0].fix).toContain('kubectl create token deployer -n ci');
  });
});

it('every finding has a one-line message and fix', () => {
  const all = [
    ...findings(oneHour, { now: at('2026-11-29T00:00:00Z'), expectedAudiences: ['x'], expectedIssuers: ['y'] }),
    ...findings(makeLegacyToken({ claims: { sub: 'x' } })),
    ...findings(makeBoundToken({ warnAfterSeconds: 60, expirationSeconds: 86400 })),
  ];
  expect(new Set(all.map((f) => f.id))).toEqual(new Set(['token-expired', 'audience-mismatch', 'issuer-mismatch', 'subject-malformed', 'token-legacy', 'token-stale']));
  for (const f of all) {
    expect(f.message).not.toMatch(/\n/);
    expect(f.fix).not.toMatch(/\n/);
    expect(f.fix.length).toBeGreaterThan(10);
  }
});
