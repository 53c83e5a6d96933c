/**
 * The synthetic-time token helper (tests/real/support/synthetic-token.ts) on a key made here: the kid
 * it derives is the one kube-apiserver's signer derives, the token verifies with the key's public
 * half, and only the chosen times change. Needs no cluster.
 */
import { createVerify, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { keyIdFor } from '../apiserver/tokens/keys';
import { claimsOf, clusterKeyId, clusterSigningKey, keyIdOf, syntheticToken, withTimes } from './support/synthetic-token';

const template = {
  aud: ['https://kubernetes.default.svc.cluster.local'], exp: 1_800_000_000, iat: 1_768_464_000, iss: 'https://kubernetes.default.svc.cluster.local',
  jti: '2d7c1b8e-3f4a-4b6c-9d0e-1f2a3b4c5d6e',
  'kubernetes.io': { namespace: 'ns', node: { name: '127.0.0.1', uid: 'aaaaaaaa-0000-4000-8000-000000000001' },
    pod: { name: 'web', uid: 'aaaaaaaa-0000-4000-8000-000000000002' }, serviceaccount: { name: 'app', uid: 'aaaaaaaa-0000-4000-8000-000000000003' }, warnafter: 1_768_467_607 },
  nbf: 1_768_464_000, sub: 'system:serviceaccount:ns:app',
};
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const templateJwt = `${b64({ alg: 'RS256', kid: 'x' })}.${b64(template)}.c2ln`;

describe('synthetic-time tokens (the helper, on a key made here)', () => {
  let dir: string;
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'satoken-synthetic-'));
    mkdirSync(path.join(dir, 'pki'));
    // The launcher's `openssl genrsa` writes PKCS#1.
    writeFileSync(path.join(dir, 'pki', 'sa.key'), pair.privateKey.export({ type: 'pkcs1', format: 'pem' }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the kid is keyIDFromPublicKey\'s, the one the emulator derives too; a JWKS without it is refused', () => {
    const key = clusterSigningKey(dir);
    const kid = keyIdOf(pair.publicKey);
    expect(kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(kid).toBe(keyIdFor(pair.publicKey));
    expect(clusterKeyId(key, { keys: [{ kid: 'other' }, { kid }] })).toBe(kid);
    expect(() => clusterKeyId(key, { keys: [{ kid: 'other' }] })).toThrow(/does not list the kid of sa.key/);
  });

  test('a token with chosen times: RS256 with the key, header {alg, kid}, every other claim as the template had it', async () => {
    const key = clusterSigningKey(dir);
    const kid = keyIdOf(pair.publicKey);
    const t = await syntheticToken(templateJwt, { iat: 100, nbf: 100, exp: 200, warnafter: 150 }, key, kid);
    const [h, p, s] = t.split('.');
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({ alg: 'RS256', kid });
    expect(createVerify('sha256').update(`${h}.${p}`).verify(pair.publicKey, Buffer.from(s!, 'base64url'))).toBe(true);
    const claims = claimsOf(t);
    expect(claims).toEqual({ ...template, iat: 100, nbf: 100, exp: 200, 'kubernetes.io': { ...template['kubernetes.io'], warnafter: 150 } });
    // Key order as the cluster wrote it (Go marshals maps sorted).
    expect(Object.keys(claims)).toEqual(Object.keys(template));
  });

  test('warnafter null removes it; absent times stay', () => {
    const c = withTimes(template, { exp: 5, warnafter: null });
    expect(c.exp).toBe(5);
    expect(c.iat).toBe(template.iat);
    expect(c['kubernetes.io'].warnafter).toBeUndefined();
    expect(template['kubernetes.io'].warnafter).toBe(1_768_467_607);
  });
});
