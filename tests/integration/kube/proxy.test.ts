/**
 * Proxies, as kubectl uses them. A cluster's `proxy-url` (client-go rest.Config.Proxy, set from clientcmdapi.Cluster.ProxyURL:
 * every request to that cluster goes through the proxy, loopback included, since http.ProxyURL has
 * no NO_PROXY or localhost exemption). The built bundle and, when it is on PATH, the real kubectl
 * both reach the emulator through a real HTTP CONNECT proxy; the proxy sees each tunnel, the exec
 * WebSocket's included. With the proxy down, both fail, and the plugin's one line names the proxy.
 * Without a proxy-url, HTTPS_PROXY and NO_PROXY as client-go's default transport reads them
 * (src/kube/env-proxy.ts; its rules case by case in tests/unit/kube/env-proxy.test.ts).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { start, type Emulator } from '../../apiserver';
import { BIN, ensureBundle, NODE24 } from '../../support/bundle';
import { findKubectl } from '../../support/kubectl';
import { runProcess as run } from '../../support/process';

const kubectl = findKubectl();
if (!kubectl) process.stdout.write('proxy: the kubectl comparisons are skipped (no kubectl >= 1.28 on PATH)\n');
const kt = kubectl ? test : test.skip;

/**
 * A minimal HTTP CONNECT proxy that records the target of every tunnel it opens; with `auth`
 * ("user:password") it answers 407 to a CONNECT without that Proxy-Authorization (RFC 9110 11.7.1).
 */
function connectProxy(auth?: string): Promise<{ url: string; tunnels: string[]; close: () => void }> {
  const tunnels: string[] = [];
  const server = http.createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    if (auth && req.headers['proxy-authorization'] !== `Basic ${Buffer.from(auth).toString('base64')}`) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
      return;
    }
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    // The proxy alone knows where the API server's name points (the kubeconfig's server is a
    // name this machine cannot resolve), so a request that skipped the proxy could not succeed.
    const upstream = net.connect(Number(port), host === PROXY_ONLY_HOST ? '127.0.0.1' : host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, tunnels, close: () => server.close() });
    }),
  );
}

/** A name in the emulator's certificate that only the proxy resolves. */
const PROXY_ONLY_HOST = 'kubernetes.default.svc';

/** A port nothing listens on (bound, then released). */
function deadPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const dir = mkdtempSync(path.join(tmpdir(), 'satoken-proxy-'));
let k: Emulator;
let proxy: Awaited<ReturnType<typeof connectProxy>>;
let authProxy: Awaited<ReturnType<typeof connectProxy>>;
let env: (config: string) => NodeJS.ProcessEnv;
let serverHostPort: string;
let withProxy: (url: string | undefined, name: string) => string;
beforeAll(async () => {
  ensureBundle();
  k = await start({ scenarios: 'healthy' });
  proxy = await connectProxy();
  authProxy = await connectProxy('alice:s3cret');
  const kc = parse(k.kubeconfig);
  serverHostPort = `${PROXY_ONLY_HOST}:${new URL(kc.clusters[0].cluster.server).port}`;
  kc.clusters[0].cluster.server = `https://${serverHostPort}`;
  withProxy = (url, name) => {
    const copy = structuredClone(kc);
    if (url) copy.clusters[0].cluster['proxy-url'] = url;
    const file = path.join(dir, name);
    writeFileSync(file, stringify(copy), { mode: 0o600 });
    return file;
  };
  // No HTTPS_PROXY from the machine: only the kubeconfig's proxy-url may route the requests.
  env = (config) => ({ PATH: `${path.dirname(NODE24)}${path.delimiter}${process.env.PATH}`, HOME: dir, KUBECONFIG: config });
}, 60_000);
afterAll(() => {
  proxy?.close();
  authProxy?.close();
  k?.stop();
});

test('without the proxy-url the server name does not resolve here (what makes the other tests prove something)', async () => {
  const r = await run(BIN, ['whoami'], env(withProxy(undefined, 'direct.config')));
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain(`cannot reach https://${serverHostPort}: no such host`);
}, 60_000);

test('the plugin reaches the API server through the proxy-url, and only through it', async () => {
  const config = withProxy(proxy.url, 'proxied.config');
  const before = proxy.tunnels.length;
  const r = await run(BIN, ['whoami', '-o', 'json'], env(config));
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).user.username).toBe('kubernetes-admin');
  const opened = proxy.tunnels.slice(before);
  expect(opened.length).toBeGreaterThan(0);
  expect(new Set(opened)).toEqual(new Set([serverHostPort]));
}, 60_000);

test('diagnose, exec WebSocket included, goes through the proxy', async () => {
  const config = withProxy(proxy.url, 'proxied.config');
  const pods = await k.adminRequest('GET', '/api/v1/namespaces/demo-healthy/pods');
  const pod = pods.body.items[0].metadata.name as string;
  const before = proxy.tunnels.length;
  const r = await run(BIN, ['diagnose', pod, '-n', 'demo-healthy', '-o', 'json'], env(config));
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout);
  // The token was read from inside the container (exec), then judged healthy by the API server.
  const check = (id: string) => report.checks.find((c: { id: string }) => c.id === id);
  expect(check('token-mounted').status).toBe('pass');
  expect(check('token-authenticates').status).toBe('pass');
  expect(k.requests.some((q) => q.path.includes(`/pods/${pod}/exec`))).toBe(true);
  expect(proxy.tunnels.length).toBeGreaterThan(before);
}, 60_000);

kt('mint -o kubeconfig keeps the proxy-url: kubectl reaches the cluster with the minted kubeconfig, through the proxy', async () => {
  const config = withProxy(proxy.url, 'proxied.config');
  const out = path.join(dir, 'minted.config');
  const m = await run(BIN, ['mint', 'web', '-n', 'demo-healthy', '-o', 'kubeconfig', '--output-file', out, '--force'], env(config));
  expect(m.code).toBe(0);
  expect(parse(readFileSync(out, 'utf8')).clusters[0].cluster['proxy-url']).toBe(proxy.url);
  const before = proxy.tunnels.length;
  const w = await run(kubectl!, ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], env(out));
  expect(w.stderr).toBe('');
  expect(w.stdout).toBe('system:serviceaccount:demo-healthy:web');
  expect(proxy.tunnels.length).toBeGreaterThan(before);
}, 60_000);

kt('kubectl auth whoami goes through the same proxy and names the same user', async () => {
  const config = withProxy(proxy.url, 'proxied.config');
  const before = proxy.tunnels.length;
  const [mine, theirs] = await Promise.all([run(BIN, ['whoami'], env(config)), run(kubectl!, ['auth', 'whoami'], env(config))]);
  expect(theirs.code).toBe(0);
  expect(mine.stdout).toBe(theirs.stdout);
  // Each of the two opened at least one tunnel of its own.
  expect(proxy.tunnels.length - before).toBeGreaterThanOrEqual(2);
}, 60_000);

test('with the proxy down the plugin fails in one line naming the proxy (kubectl names only the server)', async () => {
  const port = await deadPort();
  const config = withProxy(`http://127.0.0.1:${port}`, 'dead-proxy.config');
  const mine = await run(BIN, ['whoami'], env(config));
  expect(mine.code).not.toBe(0);
  expect(mine.stdout).toBe('');
  expect(mine.stderr).toBe(
    `error: cannot reach https://${serverHostPort} through the proxy http://127.0.0.1:${port}: connection refused\n` +
      `hint: is the proxy running, and is http://127.0.0.1:${port} (the cluster's proxy-url in the kubeconfig) the right address?\n`,
  );
  if (kubectl) {
    const theirs = await run(kubectl, ['auth', 'whoami'], env(config));
    expect(theirs.code).not.toBe(0);
    // kubectl fails too, but its line names only the API server ("The connection to the server
    // <server> was refused"), which is up; ours names the proxy that refused.
    expect(theirs.stderr).toContain(`The connection to the server ${serverHostPort} was refused`);
  }
}, 60_000);

test('credentials in the proxy-url are sent to the proxy and never printed', async () => {
  const { port } = new URL(authProxy.url);
  const good = withProxy(`http://alice:s3cret@127.0.0.1:${port}`, 'auth-proxy.config');
  const ok = await run(BIN, ['whoami'], env(good));
  expect(ok.stderr).toBe('');
  expect(ok.code).toBe(0);
  expect(authProxy.tunnels).toContain(serverHostPort);
  if (kubectl) expect((await run(kubectl, ['auth', 'whoami'], env(good))).stdout).toBe(ok.stdout);

  const bad = withProxy(`http://alice:wrong-pass@127.0.0.1:${port}`, 'bad-auth-proxy.config');
  const refused = await run(BIN, ['whoami', '-v=8'], env(bad));
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toContain(`through the proxy http://127.0.0.1:${port}: the proxy answered the CONNECT with HTTP 407`);
  expect(refused.stderr).not.toContain('wrong-pass');
  expect(refused.stderr).not.toContain('alice');
}, 60_000);

test('mint -o kubeconfig keeps the proxy but leaves its user and password out of the file, and says so in one line', async () => {
  const { port } = new URL(authProxy.url);
  const config = withProxy(`http://alice:s3cret@127.0.0.1:${port}`, 'auth-proxy.config');
  const out = path.join(dir, 'minted-auth.config');
  const m = await run(BIN, ['mint', 'web', '-n', 'demo-healthy', '-o', 'kubeconfig', '--output-file', out, '--force'], env(config));
  expect(m.code).toBe(0);
  const written = readFileSync(out, 'utf8');
  expect(parse(written).clusters[0].cluster['proxy-url']).toBe(`http://127.0.0.1:${port}`);
  expect(written).not.toContain('s3cret');
  expect(written).not.toContain('alice');
  const warnings = m.stderr.split('\n').filter((l) => /proxy-url/.test(l));
  expect(warnings).toEqual([expect.stringMatching(/proxy-url holds a user name and password: they were left out of the kubeconfig/)]);
  expect(m.stderr).not.toContain('s3cret');

  // Printed on stdout (no --output-file), the same.
  const printed = await run(BIN, ['mint', 'web', '-n', 'demo-healthy', '-o', 'kubeconfig'], env(config));
  expect(printed.code).toBe(0);
  expect(printed.stdout).not.toContain('s3cret');
  expect(parse(printed.stdout).clusters[0].cluster['proxy-url']).toBe(`http://127.0.0.1:${port}`);
}, 60_000);

describe('HTTPS_PROXY and NO_PROXY, when the kubeconfig sets no proxy-url', () => {
  const direct = () => withProxy(undefined, 'direct.config');
  const envWith = (vars: Record<string, string>) => ({ ...env(direct()), ...vars });

  test('HTTPS_PROXY routes the plugin and kubectl through the proxy', async () => {
    const before = proxy.tunnels.length;
    const mine = await run(BIN, ['whoami'], envWith({ HTTPS_PROXY: proxy.url }));
    expect(mine.stderr).toBe('');
    expect(mine.code).toBe(0);
    expect(proxy.tunnels.slice(before)).toContain(serverHostPort);
    if (kubectl) expect((await run(kubectl, ['auth', 'whoami'], envWith({ HTTPS_PROXY: proxy.url }))).stdout).toBe(mine.stdout);
  }, 60_000);

  test('https_proxy works as well; NO_PROXY naming the server sends both straight to it (which fails here)', async () => {
    expect((await run(BIN, ['whoami'], envWith({ https_proxy: proxy.url }))).code).toBe(0);
    const vars = { HTTPS_PROXY: proxy.url, NO_PROXY: `.svc,${PROXY_ONLY_HOST.split('.')[0]}` };
    const mine = await run(BIN, ['whoami'], envWith(vars));
    expect(mine.stderr).toContain(`cannot reach https://${serverHostPort}: no such host`);
    if (kubectl) {
      const theirs = await run(kubectl, ['auth', 'whoami'], envWith(vars));
      expect(theirs.code).not.toBe(0);
      expect(theirs.stderr).toMatch(/no such host/);
    }
  }, 60_000);

  test('a proxy-url wins over HTTPS_PROXY', async () => {
    const port = await deadPort();
    const before = proxy.tunnels.length;
    const r = await run(BIN, ['whoami'], { ...env(withProxy(proxy.url, 'proxied.config')), HTTPS_PROXY: `http://127.0.0.1:${port}` });
    expect(r.code).toBe(0);
    expect(proxy.tunnels.length).toBeGreaterThan(before);
  }, 60_000);

  test('a dead HTTPS_PROXY: the hint names the variable', async () => {
    const port = await deadPort();
    const r = await run(BIN, ['whoami'], envWith({ HTTPS_PROXY: `127.0.0.1:${port}` }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe(
      `error: cannot reach https://${serverHostPort} through the proxy http://127.0.0.1:${port}: connection refused\n` +
        `hint: is the proxy running, and is http://127.0.0.1:${port} (HTTPS_PROXY) the right address?\n`,
    );
  }, 60_000);
});
