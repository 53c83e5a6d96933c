/** Raw failures → ApiError / ConnectionError, as kubectl words them. */
import { OperationError } from '../../../src/errors';
import { ApiError, ConnectionError } from '../../../src/kube/errors';
import { formatDuration, mapError, parseStatus } from '../../../src/kube/errormap';

const ctx = { operation: 'get pods "web"', server: 'https://k:6443', ownCredentials: true, timeoutMs: 30_000 };
const sock = (code: string, message = code) => Object.assign(new Error(message), { code });

it('ApiException bodies: raw JSON text, object, garbage, nothing', () => {
  expect(parseStatus('{"kind":"Status","reason":"NotFound","message":"pods \\"web\\" not found","details":{"name":"web"}}')).toEqual({
    reason: 'NotFound',
    message: 'pods "web" not found',
    details: { name: 'web' },
  });
  expect(parseStatus({ reason: 'Conflict', message: 'm' })).toMatchObject({ reason: 'Conflict', message: 'm' });
  expect(parseStatus('<html>502</html>')).toEqual({ message: '<html>502</html>' });
  expect(parseStatus(undefined)).toEqual({});
});

it.each([
  [404, 'NotFound', 'pods "web" not found'],
  [409, 'Conflict', 'the UID in the bound object reference (a) does not match the UID in record (b)'],
  [422, 'Invalid', 'TokenRequest.authentication.k8s.io "x" is invalid: spec.expirationSeconds: may not specify a duration less than 10 minutes'],
])('%i → ApiError with reason and server message', (code, reason, message) => {
  const e = mapError({ code, body: JSON.stringify({ kind: 'Status', code, reason, message }), headers: {} }, ctx);
  expect(e).toBeInstanceOf(ApiError);
  expect(e).toMatchObject({ code, reason, serverMessage: message, operation: 'get pods "web"', exitCode: 1 });
  expect(e.message).toBe(`get pods "web": ${message}`);
});

it('401 as client-node throws it (no body): own credentials vs a token under test', () => {
  const ex = { code: 401, body: undefined, headers: {} };
  expect(mapError(ex, ctx).message).toBe('You must be logged in to the server (Unauthorized)');
  const other = mapError(ex, { ...ctx, ownCredentials: false }) as ApiError;
  expect(other).toMatchObject({ code: 401, reason: 'Unauthorized' });
  expect(other.message).toBe('get pods "web": Unauthorized');
});

it.each([
  ['ECONNREFUSED', 'connection refused'],
  ['ENOTFOUND', 'no such host'],
  ['ECONNRESET', 'connection reset'],
  ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'certificate signed by unknown authority'],
  ['SELF_SIGNED_CERT_IN_CHAIN', 'certificate signed by unknown authority'],
  ['DEPTH_ZERO_SELF_SIGNED_CERT', 'certificate signed by unknown authority'],
  ['CERT_HAS_EXPIRED', 'certificate has expired or is not yet valid'],
])('%s → %s (also when wrapped as fetch does)', (code, cause) => {
  const direct = mapError(sock(code), ctx) as ConnectionError;
  expect(direct).toBeInstanceOf(ConnectionError);
  expect(direct.cause_).toBe(cause);
  expect(direct.message).toBe(`cannot reach https://k:6443: ${cause}`);
  const wrapped = mapError(new TypeError('fetch failed', { cause: sock(code) }), ctx) as ConnectionError;
  expect(wrapped.cause_).toBe(cause);
});

it('a wrong host name lists what the certificate is valid for', () => {
  const e = Object.assign(new Error("Hostname/IP does not match certificate's altnames: Host: api.example. is not in the cert's altnames: DNS:kubernetes"), {
    code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    host: 'api.example',
    cert: { subjectaltname: 'DNS:kubernetes, DNS:kubernetes.default, IP Address:10.96.0.1' },
  });
  expect((mapError(e, ctx) as ConnectionError).cause_).toBe('certificate is valid for kubernetes, kubernetes.default, 10.96.0.1, not api.example');
});

it('a timeout names the --request-timeout; Ctrl-C is "interrupted"', () => {
  const timeout = Object.assign(new Error('This operation was aborted'), { name: 'AbortError', cause: new DOMException('timed out', 'TimeoutError') });
  const e = mapError(timeout, ctx) as ConnectionError;
  expect(e.message).toBe('cannot reach https://k:6443: request timed out after 30s');
  expect(e.hint).toMatch(/--request-timeout/);
  const ctl = new AbortController();
  ctl.abort();
  const i = mapError(timeout, ctx, ctl.signal);
  expect(i).toBeInstanceOf(OperationError);
  expect(i.message).toBe('interrupted');
});

it('durations as kubectl prints them', () => {
  expect(formatDuration(500)).toBe('500ms');
  expect(formatDuration(30_000)).toBe('30s');
  expect(formatDuration(90_000)).toBe('1m30s');
  expect(formatDuration(3_600_000)).toBe('1h0m0s');
});
