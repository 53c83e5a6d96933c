import { createHash } from 'node:crypto';
import { jwksDocument, openIdConfiguration } from './oidc';
import { selfSubjectReview } from './self-subject-review';
import { keyIdFor } from './keys';
import { memoryHost } from './memory-host';

describe('issuer discovery', () => {
  it('derives jwks_uri from the issuer by replacing its path', () => {
    const host = memoryHost({ issuers: ['https://issuer.example/some/path'] });
    expect(openIdConfiguration(host)).toEqual({
      issuer: 'https://issuer.example/some/path',
      jwks_uri: 'https://issuer.example/openid/v1/jwks',
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
  });
  it('falls back to the server URL for a non-https issuer, and honours an explicit jwks uri', () => {
    const host = memoryHost({ issuers: ['kubernetes.local'], serverUrl: 'https://127.0.0.1:4443' });
    expect(openIdConfiguration(host).jwks_uri).toBe('https://127.0.0.1:4443/openid/v1/jwks');
    expect(openIdConfiguration(host, 'https://jwks.example/keys').jwks_uri).toBe('https://jwks.example/keys');
  });
  it('serves the verification keys with kid = base64url(sha256(DER SPKI))', () => {
    const host = memoryHost();
    const [key] = jwksDocument(host).keys;
    const der = host.keys.publicKey.export({ type: 'spki', format: 'der' });
    expect(key).toMatchObject({ use: 'sig', kty: 'RSA', alg: 'RS256', e: 'AQAB', kid: createHash('sha256').update(der).digest('base64url') });
    expect(Object.keys(key!)).toEqual(['use', 'kty', 'kid', 'alg', 'n', 'e']);
    expect(keyIdFor(host.keys.publicKey)).toBe(host.keys.kid);
  });
});

describe('SelfSubjectReview', () => {
  it('echoes the user without empty fields, stamped with the time it was made', () => {
    expect(selfSubjectReview({ username: 'system:serviceaccount:ns:app', uid: 'u', groups: ['system:authenticated'], extra: {} }, '2026-01-02T03:04:05Z')).toEqual({
      kind: 'SelfSubjectReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: '2026-01-02T03:04:05Z' },
      status: { userInfo: { username: 'system:serviceaccount:ns:app', uid: 'u', groups: ['system:authenticated'] } },
    });
  });
});
