/**
 * exec over a real WebSocket (v4.channel.k8s.io) from the fault server: frames on channels 1/2/3,
 * exit codes from the V1Status, refused handshakes, early closes, hangs.
 */
import { connect } from '../../../src/kube/connect';
import { ApiError, ConnectionError } from '../../../src/kube/errors';
import type { ConnectionFlags } from '../../../src/kube/types';
import { type FaultServer, pem, startFaultServer, status, writeKubeconfig } from './support/fault-server';
import { rejection } from './support/rejection';

const never = new AbortController().signal;
let srv: FaultServer;
let kubeconfig: string;
const flags = (over: Partial<ConnectionFlags> = {}): ConnectionFlags => ({ kubeconfig, requestTimeoutMs: 5000, ...over });
const frame = (channel: number, data: string | object) => Buffer.concat([Buffer.from([channel]), Buffer.from(typeof data === 'string' ? data : JSON.stringify(data))]);

beforeAll(async () => {
  srv = await startFaultServer();
  kubeconfig = writeKubeconfig(srv.url, pem('ca.crt'));
});
afterAll(() => srv.stop());
beforeEach(() => {
  srv.requests.length = 0;
  srv.refuseUpgrade = undefined;
  srv.onUpgrade = undefined;
});

it('collects stdout and stderr, exit 0 on Success; the request names command, container and streams', async () => {
  srv.onUpgrade = (ws) => {
    ws.send(frame(1, 'eyJhbGciOi'));
    ws.send(frame(1, 'JSUzI1NiJ9'));
    ws.send(frame(2, 'a warning\n'));
    ws.send(frame(255, Buffer.from([1]).toString('latin1'))); // v5 close-stream frame: ignored, never a crash
    ws.send(frame(3, { metadata: {}, status: 'Success' }));
    ws.close(1000);
  };
  const conn = await connect(flags({ as: 'jane' }), {}, never);
  const r = await conn.api.exec('apps', 'web-1', 'app', ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/token']);
  expect(r).toEqual({ stdout: 'eyJhbGciOiJSUzI1NiJ9', stderr: 'a warning\n', exitCode: 0 });
  const u = new URL(srv.requests[0].url, 'https://x');
  expect(u.pathname).toBe('/api/v1/namespaces/apps/pods/web-1/exec');
  expect(u.searchParams.getAll('command')).toEqual(['cat', '/var/run/secrets/kubernetes.io/serviceaccount/token']);
  expect(u.searchParams.get('container')).toBe('app');
  expect(u.searchParams.get('stdout')).toBe('true');
  expect(u.searchParams.get('stderr')).toBe('true');
  expect(u.searchParams.get('stdin')).toBe('false');
  expect(srv.requests[0].headers.authorization).toEqual(['Bearer user-token-abc']);
  expect(srv.requests[0].headers['impersonate-user']).toEqual(['jane']);
});

it('a non-zero exit code comes from details.causes[reason=ExitCode]', async () => {
  srv.onUpgrade = (ws) => {
    ws.send(frame(2, 'cat: /nope: No such file or directory\n'));
    ws.send(
      frame(3, {
        status: 'Failure',
        message: 'command terminated with non-zero exit code: error executing command [cat /nope], exit code 1',
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: '1' }] },
      }),
    );
    ws.close(1000);
  };
  const conn = await connect(flags(), {}, never);
  const r = await conn.api.exec('apps', 'web-1', undefined, ['cat', '/nope']);
  expect(r.exitCode).toBe(1);
  expect(r.stderr).toBe('cat: /nope: No such file or directory\n');
  expect(new URL(srv.requests[0].url, 'https://x').searchParams.get('container')).toBe('');
});

it('a Failure status with no exit code is an ApiError', async () => {
  srv.onUpgrade = (ws) => {
    ws.send(frame(3, { status: 'Failure', code: 500, reason: 'InternalError', message: 'container "sidecar" not found in pod "web-1"' }));
    ws.close(1000);
  };
  const conn = await connect(flags(), {}, never);
  const e = await rejection(conn.api.exec('apps', 'web-1', 'sidecar', ['true']));
  expect(e).toBeInstanceOf(ApiError);
  expect(e).toMatchObject({ code: 500, reason: 'InternalError', serverMessage: 'container "sidecar" not found in pod "web-1"' });
});

it('a refused handshake maps the Status (403 without pods/exec)', async () => {
  const msg = 'pods "web-1" is forbidden: User "jane" cannot create resource "pods/exec" in API group "" in the namespace "apps"';
  srv.refuseUpgrade = { code: 403, body: status(403, 'Forbidden', msg) };
  const conn = await connect(flags(), {}, never);
  const e = await rejection(conn.api.exec('apps', 'web-1', undefined, ['true']));
  expect(e).toBeInstanceOf(ApiError);
  expect(e).toMatchObject({ code: 403, reason: 'Forbidden', serverMessage: msg });
});

it('a WebSocket closed before the exit status is a clear error', async () => {
  srv.onUpgrade = (ws) => {
    ws.send(frame(1, 'partial'));
    ws.terminate();
  };
  const conn = await connect(flags(), {}, never);
  const e = await rejection(conn.api.exec('apps', 'web-1', undefined, ['cat', 'x']));
  expect(e.message).toMatch(/the exec WebSocket closed before the command reported its exit status \(close code 1006\)$/);
});

it('never hangs past the request timeout', async () => {
  srv.onUpgrade = () => {};
  const conn = await connect(flags({ requestTimeoutMs: 500 }), {}, never);
  const t0 = Date.now();
  const e = await rejection(conn.api.exec('apps', 'web-1', undefined, ['sleep', '100']));
  expect(Date.now() - t0).toBeLessThan(2000);
  expect(e).toBeInstanceOf(ConnectionError);
  expect(e.message).toBe(`cannot reach ${srv.url}: request timed out after 500ms`);
});

it('TLS failures on the WebSocket map like any other call', async () => {
  const conn = await connect(flags({ kubeconfig: writeKubeconfig(srv.url, pem('other-ca.crt')) }), {}, never);
  const e = await rejection(conn.api.exec('apps', 'web-1', undefined, ['true']));
  expect((e as ConnectionError).cause_).toBe('certificate signed by unknown authority');
});
