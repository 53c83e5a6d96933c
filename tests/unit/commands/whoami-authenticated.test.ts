import { authenticatedCredential } from '../../../src/commands/whoami/authenticated';

const ID = 'authentication.kubernetes.io/credential-id';

describe('which credential the API server authenticated', () => {
  test('one credential: that one', () => {
    expect(authenticatedCredential({ kind: 'token' }, {})).toEqual({ kind: 'token' });
    expect(authenticatedCredential({ kind: 'exec', plugin: 'aws' }, {})).toEqual({ kind: 'exec', plugin: 'aws' });
    expect(authenticatedCredential({ kind: 'client-certificate' }, {})).toEqual({ kind: 'client-certificate' });
  });

  test('a token with a client certificate: the certificate, which kube-apiserver tries first', () => {
    expect(authenticatedCredential({ kind: 'token', withClientCertificate: true }, {})).toEqual({ kind: 'client-certificate', unused: 'token', decidedBy: 'precedence' });
    expect(authenticatedCredential({ kind: 'token-file', withClientCertificate: true }, { [ID]: ['X509SHA256=ab12'] })).toEqual({ kind: 'client-certificate', unused: 'token-file', decidedBy: 'credential-id' });
  });

  test('the server says it took the service-account token (it refused the certificate): the token', () => {
    expect(authenticatedCredential({ kind: 'token', withClientCertificate: true }, { [ID]: ['JTI=8f2b'] })).toEqual({ kind: 'token', unused: 'client-certificate', decidedBy: 'credential-id' });
  });
});
