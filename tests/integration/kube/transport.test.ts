/**
 * The kube layer over real HTTPS against a small fault server (support/fault-server.ts): real
 * kubeconfig files, real client-node, real sockets. Covers what the emulator does not stage:
 * TLS failures, refused ports, hangs, drops, 429/503 retries, headers on the wire.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../../../src/kube/connect';
import { ApiError, ConnectionError } from '../../../src/kube/errors';
import { listAll } from '../../../src/kube/list';
import type { ConnectionFlags } from '../../../src/kube/types';
import { type FaultServer, json, pem, startFaultServer, status, writeKubeconfig } from './support/fault-server';
import { rejection } from './support/rejection';

const flags = (kubeconfig: string, over: Partial<ConnectionFlags> = {}): ConnectionFlags => ({ kubeconfig, requestTimeoutMs: 5000, ...over });
const never = new AbortController().signal;
const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' } });

let srv: FaultServer;
let kubeconfig: string;
beforeAll(async () => {
  srv = await startFaultServer();
  kubeconfig = writeKubeconfig(srv.url, pem('ca.crt'));
});
afterAll(() => srv.stop());
beforeEach(() => {
  srv.requests.length = 0;
});

describe('requests on the wire', () => {
  it('bearer token, one Impersonate-Group line per group, user agent; --debug logs no secrets', async () => {
    srv.handle = (_req, res) => json(res, 200, pod('web'));
    const lines: string[] = [];
    const conn = await connect(flags(kubeconfig, { as: 'jane', asGroups: ['dev', 'ops'], debug: true }), {}, never, { log: (l) => lines.push(l) });
    const p = await conn.api.readPod('default', 'web');
    expect(p.metadata?.name).toBe('web');
    const r = srv.requests[0];
    expect(r.method).toBe('GET');
    expect(r.url).toBe('/api/v1/namespaces/default/pods/web');
    expect(r.headers.authorization).toEqual(['Bearer user-token-abc']);
    expect(r.headers['impersonate-user']).toEqual(['jane']);
    expect(r.headers['impersonate-group']).toEqual(['dev', 'ops']);
    expect(r.headers['user-agent']?.[0]).toMatch(/^kubectl-satoken\//);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^GET ${srv.url}/api/v1/namespaces/default/pods/web 200 OK in \\d+ milliseconds$`));
    expect(lines.join('\n')).not.toContain('user-token-abc');
  });

  it('keeps its connection: sequential requests share one TLS connection, none asks to close it', async () => {
    srv.handle = (_req, res) => json(res, 200, pod('web'));
    const conn = await connect(flags(kubeconfig), {}, never);
    for (let i = 0; i < 3; i++) await conn.api.readPod('default', 'web');
    expect(srv.requests).toHaveLength(3);
    expect(new Set(srv.requests.map((r) => r.remotePort)).size).toBe(1);
    expect(srv.requests.map((r) => r.headers.connection?.[0])).toEqual(['keep-alive', 'keep-alive', 'keep-alive']);
  });

  it('no --debug, no log lines; --as-group without --as is a usage error', async () => {
    srv.handle = (_req, res) => json(res, 200, pod('web'));
    const lines: string[] = [];
    const conn = await connect(flags(kubeconfig), {}, never, { log: (l) => lines.push(l) });
    await conn.api.readPod('default', 'web');
    expect(lines).toEqual([]);
    const e = await rejection(connect(flags(kubeconfig, { asGroups: ['x'] }), {}, never));
    expect(e.message).toMatch(/^requesting uid, groups or user-extra for tester without impersonating a user$/);
  });

  it('forToken: same server and CA, only that bearer token, no impersonation', async () => {
    srv.handle = (_req, res) => json(res, 201, { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', status: { userInfo: { username: 'system:serviceaccount:default:app' } } });
    const conn = await connect(flags(kubeconfig, { as: 'jane' }), {}, never);
    const review = await conn.forToken('sa-token-xyz\n').createSelfSubjectReview();
    expect(review.status?.userInfo?.username).toBe('system:serviceaccount:default:app');
    expect(srv.requests[0].headers.authorization).toEqual(['Bearer sa-token-xyz']);
    expect(srv.requests[0].headers['impersonate-user']).toBeUndefined();
    expect(srv.requests[0].url).toBe('/apis/authentication.k8s.io/v1/selfsubjectreviews');
  });

  it('in-cluster: the pod\'s token, CA and namespace files, KUBERNETES_SERVICE_HOST/PORT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'satoken-sa-'));
    writeFileSync(join(dir, 'token'), 'pod-token-123\n');
    writeFileSync(join(dir, 'ca.crt'), pem('ca.crt'));
    writeFileSync(join(dir, 'namespace'), 'apps');
    srv.handle = (_req, res) => json(res, 200, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'apps' } });
    const env = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(srv.port), HOME: join(dir, 'no-home') };
    const conn = await connect({ requestTimeoutMs: 5000 }, env, never, { serviceAccountDir: dir });
    expect(conn.namespace).toBe('apps');
    expect(conn.cluster).toMatchObject({ inCluster: true, server: srv.url, contextName: 'in-cluster' });
    await conn.api.readServiceAccount(conn.namespace, 'default');
    expect(srv.requests[0].headers.authorization).toEqual(['Bearer pod-token-123']);
    expect(srv.requests[0].url).toBe('/api/v1/namespaces/apps/serviceaccounts/default');
  });

  it('getRaw and request: JSON both ways, content type as given', async () => {
    srv.handle = (req, res, body) => json(res, 200, { echo: req.method, body: body ? JSON.parse(body) : null, type: req.headers['content-type'] ?? null });
    const conn = await connect(flags(kubeconfig), {}, never);
    expect(await conn.api.getRaw('/.well-known/openid-configuration')).toEqual({ echo: 'GET', body: null, type: null });
    const patched = await conn.api.request('PATCH', '/api/v1/namespaces/default/secrets/s', { metadata: { labels: { a: 'b' } } }, 'application/merge-patch+json');
    expect(patched).toEqual({ echo: 'PATCH', body: { metadata: { labels: { a: 'b' } } }, type: 'application/merge-patch+json' });
  });
});

describe('TLS and connection failures, in kubectl\'s words', () => {
  it('certificate signed by unknown authority', async () => {
    const conn = await connect(flags(writeKubeconfig(srv.url, pem('other-ca.crt'))), {}, never);
    const e = await rejection(conn.api.readPod('default', 'web'));
    expect(e).toBeInstanceOf(ConnectionError);
    expect(e.message).toBe(`cannot reach ${srv.url}: certificate signed by unknown authority`);
    expect((e as ConnectionError).hint).toContain("fix the kubeconfig's certificate-authority-data");
  });

  it('certificate is valid for X, not Y', async () => {
    const misnamed = await startFaultServer('misnamed');
    try {
      const conn = await connect(flags(writeKubeconfig(misnamed.url, pem('ca.crt'))), {}, never);
      const e = await rejection(conn.api.readPod('default', 'web'));
      expect(e).toBeInstanceOf(ConnectionError);
      expect((e as ConnectionError).cause_).toBe('certificate is valid for other.example, kubernetes.other, not 127.0.0.1');
    } finally {
      await misnamed.stop();
    }
  });

  it('connection refused', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const conn = await connect(flags(writeKubeconfig(`https://127.0.0.1:${port}`, pem('ca.crt'))), {}, never);
    const e = await rejection(conn.api.listPods('default'));
    expect(e.message).toBe(`cannot reach https://127.0.0.1:${port}: connection refused`);
  });

  it('no such host', async () => {
    const conn = await connect(flags(writeKubeconfig('https://no-such-host.invalid:6443', pem('ca.crt'))), {}, never);
    const e = await rejection(conn.api.readNode('n1'));
    expect((e as ConnectionError).cause_).toBe('no such host');
  });

  it('a hanging server: request timed out, never past the deadline, not retried forever', async () => {
    srv.handle = () => {};
    const conn = await connect(flags(kubeconfig, { requestTimeoutMs: 400 }), {}, never);
    const t0 = Date.now();
    const e = await rejection(conn.api.readPod('default', 'web'));
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(e).toBeInstanceOf(ConnectionError);
    expect(e.message).toBe(`cannot reach ${srv.url}: request timed out after 400ms`);
    expect(srv.requests).toHaveLength(1);
  });

  it('Ctrl-C stops a pending request', async () => {
    srv.handle = () => {};
    const ctl = new AbortController();
    const conn = await connect(flags(kubeconfig, { requestTimeoutMs: 0 }), {}, ctl.signal);
    setTimeout(() => ctl.abort(), 100);
    const e = await rejection(conn.api.readPod('default', 'web'));
    expect(e.message).toBe('interrupted');
  });

  it('a dropped connection: reads are retried, then reported as connection reset', async () => {
    srv.handle = (req) => req.socket.destroy();
    const conn = await connect(flags(kubeconfig), {}, never);
    const e = await rejection(conn.api.readSecret('default', 's'));
    expect((e as ConnectionError).cause_).toBe('connection reset');
    expect(srv.requests).toHaveLength(4);
  });

  it('a dropped connection on a write is not retried', async () => {
    srv.handle = (req) => req.socket.destroy();
    const conn = await connect(flags(kubeconfig), {}, never);
    const e = await rejection(conn.api.createToken('default', 'app', {}));
    expect((e as ConnectionError).cause_).toBe('connection reset');
    expect(srv.requests).toHaveLength(1);
  });
});

describe('retries', () => {
  it('429 with Retry-After is honoured, then the read succeeds', async () => {
    let n = 0;
    srv.handle = (_req, res) =>
      n++ === 0 ? json(res, 429, status(429, 'TooManyRequests', 'too many requests, please try again later'), { 'Retry-After': '1' }) : json(res, 200, pod('web'));
    const conn = await connect(flags(kubeconfig), {}, never);
    const t0 = Date.now();
    await conn.api.readPod('default', 'web');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(srv.requests).toHaveLength(2);
  });

  it('429 whose Retry-After is past the request timeout fails at once with the 429', async () => {
    srv.handle = (_req, res) => json(res, 429, status(429, 'TooManyRequests', 'slow down'), { 'Retry-After': '30' });
    const conn = await connect(flags(kubeconfig, { requestTimeoutMs: 2000 }), {}, never);
    const e = await rejection(conn.api.readPod('default', 'web'));
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).code).toBe(429);
    expect(srv.requests).toHaveLength(1);
  });

  it('503 on a read is retried; on a write (TokenRequest) it is not; 429 on a write is', async () => {
    let n = 0;
    srv.handle = (_req, res) => (n++ === 0 ? json(res, 503, status(503, 'ServiceUnavailable', 'etcd is down')) : json(res, 200, pod('web')));
    const conn = await connect(flags(kubeconfig), {}, never);
    await conn.api.readPod('default', 'web');
    expect(srv.requests).toHaveLength(2);

    srv.requests.length = 0;
    srv.handle = (_req, res) => json(res, 503, status(503, 'ServiceUnavailable', 'etcd is down'));
    const e = await rejection(conn.api.createToken('default', 'app', {}));
    expect(e).toMatchObject({ code: 503, reason: 'ServiceUnavailable', serverMessage: 'etcd is down' });
    expect(srv.requests).toHaveLength(1);

    srv.requests.length = 0;
    n = 0;
    srv.handle = (_req, res) =>
      n++ === 0
        ? json(res, 429, status(429, 'TooManyRequests', 'later'), { 'Retry-After': '0' })
        : json(res, 201, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [] }, status: { token: 'tok', expirationTimestamp: '2030-01-01T00:00:00Z' } });
    const t = await conn.api.createToken('default', 'app', {});
    expect(t.tokenRequest.status?.token).toBe('tok');
    expect(srv.requests).toHaveLength(2);
  });
});

describe('API errors', () => {
  it('401 on the user\'s own credentials reads as kubectl\'s; through forToken it stays a plain ApiError', async () => {
    srv.handle = (_req, res) => json(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    const conn = await connect(flags(kubeconfig), {}, never);
    const own = await rejection(conn.api.readPod('default', 'web'));
    expect(own).toBeInstanceOf(ApiError);
    expect(own.message).toBe('You must be logged in to the server (Unauthorized)');
    expect((own as ApiError).hint).toMatch(/credentials in your kubeconfig/);
    const other = await rejection(conn.forToken('t').readPod('default', 'web'));
    expect(other).toMatchObject({ code: 401, reason: 'Unauthorized' });
    expect(other.message).toBe('get pods "web" in namespace "default": Unauthorized');
  });

  it('403 carries the Status reason and message', async () => {
    const msg = 'pods "web" is forbidden: User "jane" cannot get resource "pods" in API group "" in the namespace "default"';
    srv.handle = (_req, res) => json(res, 403, status(403, 'Forbidden', msg));
    const conn = await connect(flags(kubeconfig), {}, never);
    const e = await rejection(conn.api.readPod('default', 'web'));
    expect(e).toMatchObject({ code: 403, reason: 'Forbidden', serverMessage: msg, operation: 'get pods "web" in namespace "default"' });
    expect(e.message).toBe(`get pods "web" in namespace "default": ${msg}`);
  });

  it('a non-JSON error body still maps (reason from the code)', async () => {
    srv.handle = (_req, res) => {
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end('bad gateway from the load balancer');
    };
    const conn = await connect(flags(kubeconfig, { requestTimeoutMs: 3000 }), {}, never);
    const e = await rejection(conn.api.getRaw('/version'));
    expect(e).toMatchObject({ code: 502, serverMessage: 'bad gateway from the load balancer' });
  });
});

describe('pagination and warnings', () => {
  function pagedPods(total: number) {
    srv.handle = (req, res) => {
      const u = new URL(req.url!, 'https://x');
      const limit = Number(u.searchParams.get('limit'));
      const start = Number(u.searchParams.get('continue') ?? 0);
      const items = Array.from({ length: Math.min(limit, total - start) }, (_, i) => pod(`p${start + i}`));
      const next = start + limit < total ? String(start + limit) : undefined;
      json(res, 200, { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '42', ...(next ? { continue: next } : {}) }, items });
    };
  }

  it('listPods follows continue to the end (default chunk 500)', async () => {
    pagedPods(1203);
    const conn = await connect(flags(kubeconfig), {}, never);
    const page = await conn.api.listPods(undefined);
    expect(page.items).toHaveLength(1203);
    expect(page.items[1202].metadata?.name).toBe('p1202');
    expect(page.continue).toBeUndefined();
    expect(srv.requests.map((r) => r.url)).toEqual(['/api/v1/pods?limit=500', '/api/v1/pods?continue=500&limit=500', '/api/v1/pods?continue=1000&limit=500']);
  });

  it('listAll streams pages; singlePage returns one page with its token', async () => {
    pagedPods(25);
    const conn = await connect(flags(kubeconfig), {}, never);
    const sizes: number[] = [];
    for await (const p of listAll((o) => conn.api.listServiceAccounts('team', o), { limit: 10, labelSelector: 'a=b' })) sizes.push(p.items.length);
    expect(sizes).toEqual([10, 10, 5]);
    expect(srv.requests[0].url).toBe('/api/v1/namespaces/team/serviceaccounts?labelSelector=a%3Db&limit=10');
    const one = await conn.api.listSecrets('team', { limit: 10, singlePage: true });
    expect(one.items).toHaveLength(10);
    expect(one.continue).toBe('10');
  });

  it('createToken returns every Warning line the server sent', async () => {
    srv.handle = (_req, res) =>
      json(res, 201, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: ['vault'] }, status: { token: 'tok', expirationTimestamp: '2030-01-01T00:00:00Z' } }, {
        Warning: ['299 - "requested expiration of 999999 seconds shortened to 86400 seconds"', '299 - "second \\"quoted\\" warning"'],
      });
    const conn = await connect(flags(kubeconfig), {}, never);
    const r = await conn.api.createToken('default', 'app', { audiences: ['vault'], expirationSeconds: 999999 });
    expect(r.warnings).toEqual(['requested expiration of 999999 seconds shortened to 86400 seconds', 'second "quoted" warning']);
    expect(JSON.parse(srv.requests[0].body)).toEqual({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: ['vault'], expirationSeconds: 999999 } });
    expect(srv.requests[0].url).toBe('/api/v1/namespaces/default/serviceaccounts/app/token');
  });
});
