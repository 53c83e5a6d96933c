/**
 * The kube layer against the API server emulator (tests/apiserver/): its admin kubeconfig (mTLS),
 * real HTTPS, real client-node. Asserts on what the server received, not only on what came back.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Emulator, start } from '../../apiserver';
import { connect } from '../../../src/kube/connect';
import { ApiError, ConnectionError } from '../../../src/kube/errors';
import { listAll } from '../../../src/kube/list';
import type { ConnectionFlags, KubeConnection } from '../../../src/kube/types';
import type { ExecRequest } from '../../apiserver/exec/types';
import { rejection } from './support/rejection';

const never = new AbortController().signal;
const BULK = 1203;

const pod = (ns: string, name: string, sa = 'default') => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns },
  spec: { serviceAccountName: sa, nodeName: 'node-1', containers: [{ name: 'app', image: 'busybox' }] },
  status: { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, image: 'busybox', imageID: '', state: { running: { startedAt: '2026-01-01T00:00:00Z' } } }] },
});

let k: Emulator;
let conn: KubeConnection;
const flags = (over: Partial<ConnectionFlags> = {}): ConnectionFlags => ({ kubeconfig: k.kubeconfigPath, requestTimeoutMs: 10_000, ...over });
const since = () => {
  const mark = k.requests.length;
  return () => k.requests.slice(mark);
};
const payload = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));

beforeAll(async () => {
  k = await start({
    maxTokenExpirationSeconds: 7200,
    objects: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bulk' } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app', namespace: 'team' } },
      pod('team', 'web', 'app'),
      ...Array.from({ length: BULK }, (_, i) => pod('bulk', `p-${String(i).padStart(4, '0')}`)),
    ],
  });
  conn = await connect(flags(), {}, never);
});
afterAll(() => k?.stop());

it('connects with the emulator kubeconfig: cluster info and namespace', () => {
  expect(conn.cluster).toMatchObject({ server: k.url, inCluster: false, insecureSkipTlsVerify: false });
  expect(conn.cluster.caPem?.trim()).toBe(k.caPem.trim());
  expect(conn.namespace).toBe('default');
  expect(conn.namespaceExplicit).toBe(false);
});

it('reads: pod, serviceaccount, node, configmap, namespaces', async () => {
  const p = await conn.api.readPod('team', 'web');
  expect(p.spec?.serviceAccountName).toBe('app');
  expect((await conn.api.readServiceAccount('team', 'app')).metadata?.uid).toBeTruthy();
  expect((await conn.api.readNode('node-1')).metadata?.name).toBe('node-1');
  const cm = await conn.api.readConfigMap('team', 'kube-root-ca.crt');
  expect(cm.data?.['ca.crt']).toContain('BEGIN CERTIFICATE');
  const names = (await conn.api.listNamespaces()).items.map((n) => n.metadata?.name);
  expect(names).toEqual(expect.arrayContaining(['default', 'kube-system', 'team', 'bulk']));
});

it('listPods pages through 1203 pods with limit/continue (chunks of 500)', async () => {
  const reqs = since();
  const page = await conn.api.listPods('bulk');
  expect(page.items).toHaveLength(BULK);
  expect(new Set(page.items.map((p) => p.metadata?.name)).size).toBe(BULK);
  const lists = reqs().filter((r) => r.path.startsWith('/api/v1/namespaces/bulk/pods'));
  expect(lists).toHaveLength(3);
  expect(lists.every((r) => /[?&]limit=500\b/.test(r.path) && r.status === 200)).toBe(true);
  expect(lists.slice(1).every((r) => /[?&]continue=/.test(r.path))).toBe(true);
});

it('listAll streams pages, across all namespaces too', async () => {
  const sizes: number[] = [];
  for await (const p of listAll((o) => conn.api.listPods('bulk', o), { limit: 400 })) sizes.push(p.items.length);
  expect(sizes).toEqual([400, 400, 400, 3]);
  const all = await conn.api.listPods(undefined, { fieldSelector: 'metadata.namespace=team' });
  expect(all.items.map((p) => p.metadata?.name)).toEqual(['web']);
});

describe('tokens and reviews', () => {
  let token = '';

  it('createToken: a TokenRequest, with the shortened-expiration Warning header', async () => {
    const reqs = since();
    const r = await conn.api.createToken('team', 'app', { audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: 86400 });
    token = r.tokenRequest.status!.token!;
    expect(payload(token).sub).toBe('system:serviceaccount:team:app');
    expect(r.warnings).toEqual(['requested expiration of 86400 seconds shortened to 7200 seconds']);
    expect(reqs().map((x) => [x.method, x.path, x.status])).toEqual([['POST', '/api/v1/namespaces/team/serviceaccounts/app/token', 201]]);
  });

  it('TokenReview of that token', async () => {
    const review = await conn.api.createTokenReview(token);
    expect(review.status?.authenticated).toBe(true);
    expect(review.status?.user?.username).toBe('system:serviceaccount:team:app');
    const bad = await conn.api.createTokenReview(token.slice(0, -4) + 'AAAA');
    expect(bad.status?.authenticated).toBeFalsy();
  });

  it('forToken: SelfSubjectReview and SelfSubjectAccessReview as the ServiceAccount', async () => {
    const reqs = since();
    const as = conn.forToken(token);
    const who = await as.createSelfSubjectReview();
    expect(who.status?.userInfo?.username).toBe('system:serviceaccount:team:app');
    const can = await as.createSelfSubjectAccessReview({ namespace: 'team', verb: 'list', resource: 'secrets' });
    expect(can.status?.allowed).toBe(false);
    expect(reqs().map((r) => r.user)).toEqual(['system:serviceaccount:team:app', 'system:serviceaccount:team:app']);
  });

  it('403 as the ServiceAccount: ApiError with the server\'s Status', async () => {
    const e = await rejection(conn.forToken(token).listSecrets('team'));
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ code: 403, reason: 'Forbidden' });
    expect((e as ApiError).serverMessage).toMatch(/secrets is forbidden: User "system:serviceaccount:team:app" cannot list resource "secrets"/);
  });

  it('kubeconfigForToken round-trips: a new connection from that YAML is the ServiceAccount', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'satoken-mint-'));
    const path = join(dir, 'config');
    writeFileSync(path, conn.kubeconfigForToken('app', token, 'team'));
    const minted = await connect({ kubeconfig: path, requestTimeoutMs: 10_000 }, {}, never);
    expect(minted.namespace).toBe('team');
    expect((await minted.api.createSelfSubjectReview()).status?.userInfo?.username).toBe('system:serviceaccount:team:app');
  });

  it('409 for a bound object whose uid does not match', async () => {
    const e = await rejection(
      conn.api.createToken('team', 'app', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: '00000000-0000-0000-0000-000000000000' } }),
    );
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ code: 409, reason: 'Conflict' });
  });
});

it('404 NotFound with the server\'s message', async () => {
  const e = await rejection(conn.api.readPod('team', 'nope'));
  expect(e).toMatchObject({ code: 404, reason: 'NotFound', serverMessage: 'pods "nope" not found', operation: 'get pods "nope" in namespace "team"' });
});

it('401: a rejected token via forToken is an ApiError; rejected own credentials read as kubectl\'s', async () => {
  const e = await rejection(conn.forToken('not-a-valid-token').readPod('team', 'web'));
  expect(e).toMatchObject({ code: 401, reason: 'Unauthorized' });
  const dir = mkdtempSync(join(tmpdir(), 'satoken-bad-'));
  writeFileSync(join(dir, 'config'), conn.kubeconfigForToken('nobody', 'not-a-valid-token', 'team'));
  const bad = await connect({ kubeconfig: join(dir, 'config'), requestTimeoutMs: 10_000 }, {}, never);
  const own = await rejection(bad.api.readPod('team', 'web'));
  expect(own.message).toBe('You must be logged in to the server (Unauthorized)');
});

it('--as / --as-group: the server sees the impersonated user and every group', async () => {
  const imp = await connect(flags({ as: 'jane', asGroups: ['dev', 'ops'] }), {}, never);
  const who = await imp.api.createSelfSubjectReview();
  expect(who.status?.userInfo?.username).toBe('jane');
  expect(who.status?.userInfo?.groups).toEqual(expect.arrayContaining(['dev', 'ops']));
});

it('issuer discovery through getRaw; a JSON merge patch through request', async () => {
  const oidc = (await conn.api.getRaw('/.well-known/openid-configuration')) as { issuer: string; jwks_uri: string };
  expect(oidc.issuer).toBe('https://kubernetes.default.svc.cluster.local');
  const jwks = (await conn.api.getRaw('/openid/v1/jwks')) as { keys: unknown[] };
  expect(jwks.keys.length).toBeGreaterThan(0);
  await conn.api.request('PATCH', '/api/v1/namespaces/team/serviceaccounts/app', { metadata: { labels: { patched: 'yes' } } }, 'application/merge-patch+json');
  expect((await conn.api.readServiceAccount('team', 'app')).metadata?.labels?.patched).toBe('yes');
});

describe('faults injected in the emulator', () => {
  afterEach(() => k.adminRequest('POST', '/_emulator/faults', { reset: true }));

  it('--request-timeout: a hung request fails at the deadline', async () => {
    await k.adminRequest('POST', '/_emulator/faults', { pathRegex: '^/api/v1/namespaces/team/pods/web$', hang: true });
    const quick = await connect(flags({ requestTimeoutMs: 500 }), {}, never);
    const t0 = Date.now();
    const e = await rejection(quick.api.readPod('team', 'web'));
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(e).toBeInstanceOf(ConnectionError);
    expect(e.message).toBe(`cannot reach ${k.url}: request timed out after 500ms`);
  });

  it('a 503 on a read is retried and succeeds', async () => {
    await k.adminRequest('POST', '/_emulator/faults', { pathRegex: '^/api/v1/nodes/node-2$', status: 503, count: 1 });
    const reqs = since();
    expect((await conn.api.readNode('node-2')).metadata?.name).toBe('node-2');
    expect(reqs().filter((r) => r.path === '/api/v1/nodes/node-2').map((r) => r.status)).toEqual([503, 200]);
  });

  it('a dropped connection on a read is retried', async () => {
    await k.adminRequest('POST', '/_emulator/faults', { pathRegex: '^/api/v1/namespaces/team/serviceaccounts/app$', drop: true, count: 1 });
    expect((await conn.api.readServiceAccount('team', 'app')).metadata?.name).toBe('app');
  });
});

it('--debug logs each request: method, URL, status; never the credentials', async () => {
  const lines: string[] = [];
  const dbg = await connect(flags({ debug: true }), {}, never, { log: (l) => lines.push(l) });
  await dbg.api.readPod('team', 'web');
  await rejection(dbg.api.readPod('team', 'nope'));
  expect(lines).toEqual([
    expect.stringMatching(new RegExp(`^GET ${k.url}/api/v1/namespaces/team/pods/web 200 OK in \\d+ milliseconds$`)),
    expect.stringMatching(new RegExp(`^GET ${k.url}/api/v1/namespaces/team/pods/nope 404 Not Found in \\d+ milliseconds$`)),
  ]);
});

describe('exec over the emulator\'s pods/exec WebSocket', () => {
  // The emulator's transport is real (auth, RBAC, v5/v4 channels, kubelet statuses); what runs
  // "in the container" is this test's stand-in, set as the emulator's exec runner.
  const seen: ExecRequest[] = [];
  beforeAll(() => {
    k.cluster.execRunner = (req) => {
      seen.push(req);
      const [cmd, arg] = req.command;
      if (cmd === 'cat' && arg === '/var/run/secrets/kubernetes.io/serviceaccount/token') return { exitCode: 0, stdout: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln' };
      if (cmd === 'cat') return { exitCode: 1, stderr: `cat: can't open '${arg}': No such file or directory\n` };
      if (cmd === 'hang') return new Promise(() => {});
      return { error: `failed to exec in container: exec: "${cmd}": executable file not found in $PATH` };
    };
  });

  it('stdout and exit 0, as the admin; the server ran it in the named container', async () => {
    const reqs = since();
    const r = await conn.api.exec('team', 'web', 'app', ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/token']);
    expect(r).toEqual({ stdout: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln', stderr: '', exitCode: 0 });
    expect(seen.at(-1)).toMatchObject({ container: 'app', command: ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/token'], tty: false });
    expect(reqs().map((x) => [x.method, x.path.split('?')[0], x.status])).toEqual([['GET', '/api/v1/namespaces/team/pods/web/exec', 101]]);
  });

  it('a failing command: stderr and its exit code; no container given picks the only one', async () => {
    const r = await conn.api.exec('team', 'web', undefined, ['cat', '/nope']);
    expect(r).toEqual({ stdout: '', stderr: "cat: can't open '/nope': No such file or directory\n", exitCode: 1 });
    expect(seen.at(-1)?.container).toBe('app');
  });

  it('a command the runtime cannot start: ApiError 500 InternalError', async () => {
    const e = await rejection(conn.api.exec('team', 'web', 'app', ['nosuchbinary']));
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ code: 500, reason: 'InternalError' });
    expect((e as ApiError).serverMessage).toMatch(/executable file not found in \$PATH/);
  });

  it('refused before the upgrade: unknown container 400, missing pod 404, no pods/exec RBAC 403', async () => {
    expect(await rejection(conn.api.exec('team', 'web', 'sidecar', ['true']))).toMatchObject({ code: 400, reason: 'BadRequest', serverMessage: 'container sidecar is not valid for pod web' });
    expect(await rejection(conn.api.exec('team', 'gone', undefined, ['true']))).toMatchObject({ code: 404, reason: 'NotFound' });
    const token = (await conn.api.createToken('team', 'app', {})).tokenRequest.status!.token!;
    const e = await rejection(conn.forToken(token).exec('team', 'web', undefined, ['true']));
    expect(e).toMatchObject({ code: 403, reason: 'Forbidden' });
    expect((e as ApiError).serverMessage).toMatch(/cannot create resource "pods\/exec"/);
  });

  it('a command that never ends is cut at the request timeout', async () => {
    const quick = await connect(flags({ requestTimeoutMs: 500 }), {}, never);
    const t0 = Date.now();
    const e = await rejection(quick.api.exec('team', 'web', undefined, ['hang']));
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(e.message).toBe(`cannot reach ${k.url}: request timed out after 500ms`);
  });
});
