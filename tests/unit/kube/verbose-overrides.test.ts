/** -v logging (verbose.ts) and the flags laid over kubeconfig entries (overrides.ts): pure parts. */
import { OperationError, UsageError } from '../../../src/errors';
import { applyClusterOverrides, applyUserOverrides, checkTlsChoice } from '../../../src/kube/overrides';
import { redactBody, requestLog, truncateBody } from '../../../src/kube/verbose';
import type { ConnectionFlags } from '../../../src/kube/types';

const f = (over: Partial<ConnectionFlags>): ConnectionFlags => ({ requestTimeoutMs: 0, ...over });

describe('redactBody', () => {
  it('masks every value of a Secret, and of each item of a SecretList, and kubectl apply\'s copy', () => {
    const secret = {
      kind: 'Secret',
      metadata: { name: 's', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"token":"ZXlK"}}' } },
      type: 'kubernetes.io/service-account-token',
      data: { token: 'ZXlKaGJHY2lPaUpTVXpJMU5pSjku', 'ca.crt': 'LS0t' },
    };
    const out = JSON.parse(redactBody(JSON.stringify(secret)));
    expect(out.data).toEqual({ token: '<masked>', 'ca.crt': '<masked>' });
    expect(out.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toBe('<masked>');
    expect(out.metadata.name).toBe('s');
    const list = JSON.parse(redactBody(JSON.stringify({ kind: 'SecretList', items: [{ metadata: { name: 'a' }, data: { password: 'aHVudGVyMg==' } }] })));
    expect(list.items[0]).toEqual({ metadata: { name: 'a' }, data: { password: '<masked>' } });
  });

  it('masks TokenRequest status.token and TokenReview spec.token; leaves other JSON and text alone', () => {
    expect(JSON.parse(redactBody('{"kind":"TokenRequest","status":{"token":"abc","expirationTimestamp":"x"}}')).status).toEqual({ token: '<masked>', expirationTimestamp: 'x' });
    expect(JSON.parse(redactBody('{"kind":"TokenReview","spec":{"token":"abc","audiences":["a"]}}')).spec).toEqual({ token: '<masked>', audiences: ['a'] });
    expect(redactBody('{"kind":"Pod","metadata":{"name":"p"}}')).toBe('{"kind":"Pod","metadata":{"name":"p"}}');
    expect(redactBody('not json {')).toBe('not json {');
  });

  it('JSON nested deeper than any API object is not shown (nor shown unmasked), without overflowing the stack', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    expect(redactBody(deep)).toBe(`<a JSON body of ${deep.length} characters, not shown: nested deeper than 500 levels>`);
    const secretInside = JSON.stringify({ kind: 'Secret', data: { token: 'c2VjcmV0' }, x: JSON.parse('['.repeat(600) + ']'.repeat(600)) });
    expect(redactBody(secretInside)).not.toContain('c2VjcmV0');
    // A real object's depth is shown as it is.
    const nested = JSON.parse('['.repeat(100) + '1' + ']'.repeat(100));
    expect(JSON.parse(redactBody(JSON.stringify(nested)))).toEqual(nested);
  });
});

describe('requestLog', () => {
  it('6: one line; 7: headers, Authorization masked; 8: response headers and a truncated body', () => {
    for (const [level, expected] of [
      [6, ['GET https://h/api 200 OK in 3 milliseconds']],
      [7, ['GET https://h/api', 'Request Headers:', '    Authorization: Bearer <masked>', '    Accept: application/json', 'Response Status: 200 OK in 3 milliseconds']],
      [
        8,
        [
          'GET https://h/api',
          'Request Headers:',
          '    Authorization: Bearer <masked>',
          '    Accept: application/json',
          'Response Status: 200 OK in 3 milliseconds',
          'Response Headers:',
          '    Content-Type: application/json',
          `Response Body: ${'x'.repeat(1024)} [truncated 6 chars]`,
        ],
      ],
    ] as const) {
      const lines: string[] = [];
      const log = requestLog((l) => lines.push(l), level);
      log.request('GET', 'https://h/api', { Authorization: 'Bearer secret-token', Accept: 'application/json' }, undefined);
      log.response('GET', 'https://h/api', 200, 'OK', 3, { 'content-type': ['application/json'] }, () => 'x'.repeat(1030));
      expect(lines).toEqual(expected);
    }
  });

  it("truncateBody: rest/request.go's limits", () => {
    const body = 'y'.repeat(20000);
    expect(truncateBody(body, 8)).toHaveLength(1024 + ' [truncated 18976 chars]'.length);
    expect(truncateBody(body, 9).startsWith('y'.repeat(10240) + ' [truncated')).toBe(true);
    expect(truncateBody(body, 10)).toBe(body);
  });
});

describe('overrides', () => {
  const cluster = { server: 'https://a:6443', 'certificate-authority-data': 'Q0E=', 'tls-server-name': 'kubernetes', 'proxy-url': 'http://p:3128' };
  it('--server replaces the server and clears the kubeconfig\'s tls-server-name (client-go), keeps the rest', () => {
    expect(applyClusterOverrides(cluster, f({ server: 'https://b' }), '/w')).toEqual({ server: 'https://b', 'certificate-authority-data': 'Q0E=', 'proxy-url': 'http://p:3128' });
    expect(applyClusterOverrides(cluster, f({ server: 'https://b', tlsServerName: 'x' }), '/w')['tls-server-name']).toBe('x');
  });
  it('--insecure-skip-tls-verify clears the CA; --certificate-authority replaces CA data and insecure', () => {
    expect(applyClusterOverrides(cluster, f({ insecureSkipTlsVerify: true }), '/w')).toMatchObject({ 'insecure-skip-tls-verify': true });
    expect(applyClusterOverrides(cluster, f({ insecureSkipTlsVerify: true }), '/w')).not.toHaveProperty('certificate-authority-data');
    const ca = applyClusterOverrides({ ...cluster, 'insecure-skip-tls-verify': true }, f({ certificateAuthority: 'ca.crt' }), '/w');
    expect(ca).toMatchObject({ 'certificate-authority': '/w/ca.crt', 'insecure-skip-tls-verify': false });
    expect(ca).not.toHaveProperty('certificate-authority-data');
  });
  it('a CA with insecure-skip-tls-verify: a usage error from flags, an operation error from the kubeconfig', () => {
    expect(() => checkTlsChoice({ 'insecure-skip-tls-verify': true, 'certificate-authority': '/ca' }, f({ insecureSkipTlsVerify: true, certificateAuthority: '/ca' }))).toThrow(UsageError);
    expect(() => checkTlsChoice({ 'insecure-skip-tls-verify': true, 'certificate-authority-data': 'Q0E=' }, f({}))).toThrow(OperationError);
    expect(() => checkTlsChoice({ 'insecure-skip-tls-verify': true }, f({}))).not.toThrow();
  });
  it('--client-certificate / --client-key replace file and data; --token is added beside them', () => {
    const user = { 'client-certificate-data': 'Yw==', 'client-key-data': 'aw==', exec: { command: 'x' } };
    expect(applyUserOverrides(user, f({ clientCertificate: 'me.crt', clientKey: '/k/me.key', token: 't' }), '/w')).toEqual({
      'client-certificate': '/w/me.crt',
      'client-key': '/k/me.key',
      exec: { command: 'x' },
      token: 't',
    });
  });
});
