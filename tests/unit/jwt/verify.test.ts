import { inspectToken, JwksFormatError, parseJwks, parseToken, verifySignature } from '../../../src/jwt';
import { KEYS, TEST_NOW, jwksOf, makeBoundToken, makeExternalToken, newKey, signJwt } from '../../support/tokens';

const verify = (token: string, jwks: unknown) => verifySignature(parseToken(token), parseJwks(jwks));
const other = newKey('rsa');

describe('verifySignature (keys looked up by kid, as jwt.go)', () => {
  it('an RS256 token with its key: verified, names the kid', async () => {
    const r = await verify(makeBoundToken(), jwksOf(KEYS.ec, KEYS.rsa));
    expect(r.verification).toEqual({ status: 'verified', reason: `signature matches key "${KEYS.rsa.kid}"`, kid: KEYS.rsa.kid });
    expect(r.failure).toBeNull();
  });

  it('an ES256 token with its key', async () => {
    const r = await verify(makeBoundToken({ key: KEYS.ec }), jwksOf(KEYS.rsa, KEYS.ec));
    expect(r.verification.status).toBe('verified');
    expect(r.verification.kid).toBe(KEYS.ec.kid);
  });

  it('a token without kid is tried against every key', async () => {
    const r = await verify(makeBoundToken({ header: { kid: undefined } }), jwksOf(other, KEYS.rsa));
    expect(r.verification).toMatchObject({ status: 'verified', kid: KEYS.rsa.kid });
  });

  it('an unknown kid: "invalid signature, no keys found"', async () => {
    const r = await verify(makeBoundToken({ key: other }), jwksOf(KEYS.rsa, KEYS.ec));
    expect(r.failure).toBe('unknown-kid');
    expect(r.verification.status).toBe('invalid');
    expect(r.verification.reason).toBe(`unknown kid "${other.kid}": the issuer publishes 2 other keys (kube-apiserver: "invalid signature, no keys found")`);
  });

  it('a bad signature under a known kid (altered payload)', async () => {
    const good = makeBoundToken();
    const altered = makeBoundToken({ namespace: 'kube-system' }).split('.')[1];
    const [h, , s] = good.split('.');
    const r = await verify(`${h}.${altered}.${s}`, jwksOf(KEYS.rsa));
    expect(r.failure).toBe('bad-signature');
    expect(r.verification.reason).toBe(`bad signature: key "${KEYS.rsa.kid}": signature does not match`);
  });

  it('signed by another key that claims a published kid', async () => {
    const r = await verify(makeBoundToken({ key: other, header: { kid: KEYS.rsa.kid } }), jwksOf(KEYS.rsa));
    expect(r.failure).toBe('bad-signature');
  });

  it('a key published for another alg does not verify', async () => {
    const jwks = jwksOf(KEYS.rsa);
    jwks.keys[0].alg = 'RS512';
    const r = await verify(makeBoundToken(), jwks);
    expect(r.verification.reason).toContain('is for RS512');
  });

  it.each(['HS256', 'none', 'EdDSA'])('unsupported alg %s', async (alg) => {
    const t = signJwt({ sub: 'x' }, KEYS.rsa, { alg });
    const r = await verify(t, jwksOf(KEYS.rsa));
    expect(r.failure).toBe('unsupported-alg');
    expect(r.verification.reason).toContain(`unsupported alg "${alg}"`);
  });
});

describe('parseJwks', () => {
  it.each([
    [null, /JSON object/],
    [[], /JSON object/],
    [{}, /no "keys" array/],
    [{ keys: [{}] }, /key 0 .* no "kty"/],
    [{ keys: [{ kty: 'RSA', kid: 3 }] }, /"kid" that is not a string/],
  ])('refuses %j', (v, msg) => {
    expect(() => parseJwks(v)).toThrow(JwksFormatError);
    expect(() => parseJwks(v)).toThrow(msg);
  });
});

describe('inspectToken', () => {
  it('assembles the TokenInspection; no raw token or signature unless asked', async () => {
    const token = makeBoundToken();
    const r = await inspectToken(token, { now: TEST_NOW, source: 'argument' });
    expect(r.kind).toBe('TokenInspection');
    expect(r.source).toBe('argument');
    expect(r.header).toEqual({ alg: 'RS256', kid: KEYS.rsa.kid });
    expect(r.token.type).toBe('bound');
    expect(r.verification).toEqual({ status: 'not-checked', reason: 'no issuer keys were given', kid: null });
    expect(r.findings).toEqual([]);
    expect(r.rawToken).toBeUndefined();
    expect(JSON.stringify(r)).not.toContain(token.split('.')[2]);

    const shown = await inspectToken(`Bearer ${token}\n`, { now: TEST_NOW, source: 'argument', showToken: true });
    expect(shown.rawToken).toBe(token);
  });

  it('a failed signature check is an error finding, first (the API server checks it before claims)', async () => {
    const r = await inspectToken(makeBoundToken({ key: other }), {
      now: TEST_NOW,
      source: 'x',
      jwks: parseJwks(jwksOf(KEYS.rsa)),
      expectedAudiences: ['nope'],
    });
    expect(r.verification.status).toBe('invalid');
    expect(r.findings.map((f) => f.id)).toEqual(['signature-invalid', 'audience-mismatch']);
    expect(r.findings[0].fix).toContain('--service-account-key-file');
  });

  it('an expired external token with a valid signature', async () => {
    const r = await inspectToken(makeExternalToken({ issuedAt: new Date('2026-11-28T10:00:00Z') }), {
      now: TEST_NOW,
      source: 'x',
      jwks: parseJwks(jwksOf(KEYS.ec)),
    });
    expect(r.verification.status).toBe('verified');
    expect(r.findings.map((f) => f.id)).toEqual(['token-expired']);
  });
});
