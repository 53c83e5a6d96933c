/**
 * decode against the emulator, through the cli as a user runs it (real kubeconfig, real HTTPS,
 * real client-node, exec over WebSocket): --pod reads the mounted projected token, --secret the
 * legacy token the token controller wrote, --verify the cluster's issuer keys. Each case checks
 * the exit code, the output and the requests the API server received.
 */
import { start, type Emulator } from '../apiserver';
import { decodeCommand } from '../../src/cli/commands/decode';
import { cli } from '../support/cli';
import { makeBoundToken, newKey, signatureOf } from '../support/tokens';

let k: Emulator;
const NS = 'shop';
const ADMIN = 'kubernetes-admin';
const ISSUER = 'https://kubernetes.default.svc.cluster.local';

async function admin(method: string, p: string, body?: unknown) {
  const r = await k.adminRequest(method, p, body);
  if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** `kubectl satoken ARGS` in-process with only decode wired, the emulator's clock, no colour. */
function satoken(args: string[], stdin?: string) {
  return cli(args, { kubeconfig: k.kubeconfigPath, stdin, clock: () => k.clock.now(), commands: [decodeCommand] });
}

const since = (mark: number) => k.requests.slice(mark).map((r) => `${r.method} ${r.path.split('?')[0]} ${r.user || '-'} ${r.status}`);

let pod: { metadata: { name: string; uid: string }; spec: { nodeName?: string } };
beforeAll(async () => {
  k = await start({});
  await admin('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  await admin('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app' } });
  await admin('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'deployer' } });
  pod = await admin('POST', `/api/v1/namespaces/${NS}/pods`, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web' },
    spec: { serviceAccountName: 'app', containers: [{ name: 'app', image: 'busybox' }, { name: 'sidecar', image: 'busybox' }] },
  });
  await admin('POST', `/api/v1/namespaces/${NS}/pods`, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'static' },
    spec: { serviceAccountName: 'app', containers: [{ name: 'app', image: 'gcr.io/distroless/static:nonroot' }] },
  });
  await admin('POST', `/api/v1/namespaces/${NS}/secrets`, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'deployer-token', annotations: { 'kubernetes.io/service-account.name': 'deployer' } },
    type: 'kubernetes.io/service-account-token',
  });
  await admin('POST', `/api/v1/namespaces/${NS}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'plain' }, type: 'Opaque', data: { password: 'eA==' } });
}, 30_000);
afterAll(() => k?.stop());

describe('decode --pod, before any exec', () => {
  it('a pod that does not exist: exit 1, the API server\'s NotFound', async () => {
    const r = await satoken(['decode', '--pod', 'gone', '-n', NS]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('"gone" not found');
  });
});

describe('decode --pod (exec cat of the mounted token)', () => {
  it('reads the projected token of the first container, bound to this pod, verified with the cluster keys', async () => {
    const mark = k.requests.length;
    const r = await satoken(['decode', '--pod', 'web', '-n', NS, '--verify', '-o', 'json']);
    expect(r.stderr).toBe('info: Defaulted container "app" out of: app, sidecar\n');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.source).toBe(`pod ${NS}/web, container app, /var/run/secrets/kubernetes.io/serviceaccount/token`);
    expect(j.token).toMatchObject({
      type: 'bound',
      issuer: ISSUER,
      namespace: NS,
      serviceAccount: { name: 'app' },
      boundObject: { kind: 'Pod', name: 'web', uid: pod.metadata.uid },
    });
    expect(j.token.expiresInSeconds).toBeGreaterThan(0);
    expect(j.verification.status).toBe('verified');
    expect(j.findings).toEqual([]);
    expect(since(mark)).toEqual([
      `GET /api/v1/namespaces/${NS}/pods/web ${ADMIN} 200`,
      expect.stringMatching(new RegExp(`^(GET|POST) /api/v1/namespaces/${NS}/pods/web/exec ${ADMIN} 101$`)),
      `GET /.well-known/openid-configuration ${ADMIN} 200`,
      `GET /openid/v1/jwks ${ADMIN} 200`,
    ]);
  });

  it('an app that cached its mounted token: two hours later the copy is stale (exit 0), the file is fresh', async () => {
    const first = JSON.parse((await satoken(['decode', '--pod', 'web', '-n', NS, '-c', 'app', '--show-token', '-o', 'json'])).stdout);
    // kubelet asks for 3607 s; with extended expiry the API server gives a year and warnafter +3607 s.
    expect(first.token.warnAfter).not.toBeNull();
    expect(first.token.expiresInSeconds).toBeGreaterThan(300 * 86400);
    const cached: string = first.rawToken;
    k.clock.advance(2 * 3600);
    const stale = await satoken(['decode', cached, '--verify']);
    expect(stale.code).toBe(0);
    expect(stale.stdout).toMatch(/WARNING +token-stale\n +past warnafter .* \(\d+m ago\)/);
    const now = JSON.parse((await satoken(['decode', '--pod', 'web', '-n', NS, '-c', 'app', '-o', 'json'])).stdout);
    expect(now.token.jti).not.toBe(first.token.jti);
    expect(now.findings).toEqual([]);
  });

  it('a distroless image (no cat): exit 1 saying so, with another way', async () => {
    const r = await satoken(['decode', '--pod', 'static', '-n', NS]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error: cannot run cat in pod ${NS}/static, container app (the image has no cat)\nhint: use kubectl debug with a shell image, or decode a token you mint: kubectl satoken mint SERVICEACCOUNT --decode\n`,
    );
  });

  it('-c and a missing --path: exit 1 with cat\'s message, one exec and no pod read', async () => {
    const mark = k.requests.length;
    const r = await satoken(['decode', '--pod', 'web', '-n', NS, '-c', 'sidecar', '--path', '/nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot read \/nope in pod shop\/web, container sidecar \(.+\)\nhint: is a token mounted there\?/);
    expect(since(mark)).toHaveLength(1);
  });

});

describe('decode --secret (a legacy token Secret)', () => {
  it('decodes data.token written by the token controller: legacy, a warning, exit 0', async () => {
    const mark = k.requests.length;
    const r = await satoken(['decode', '--secret', 'deployer-token', '-n', NS]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Type: +legacy/m);
    expect(r.stdout).toMatch(/^ {2}ServiceAccount: +deployer \(uid /m);
    expect(r.stdout).toMatch(/^ {2}Bound to: +Secret deployer-token$/m);
    expect(r.stdout).toMatch(/WARNING +token-legacy/);
    expect(since(mark)).toEqual([`GET /api/v1/namespaces/${NS}/secrets/deployer-token ${ADMIN} 200`]);
    const secret = await admin('GET', `/api/v1/namespaces/${NS}/secrets/deployer-token`);
    const token = Buffer.from(secret.data.token, 'base64').toString('utf8');
    expect(r.stdout).not.toContain(signatureOf(token));
  });

  it('a Secret without data.token: exit 1 naming its type', async () => {
    const r = await satoken(['decode', '--secret', 'plain', '-n', NS]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: secret ${NS}/plain has no data.token\nhint: a legacy token Secret has type kubernetes.io/service-account-token; this one is Opaque\n`);
  });
});

describe('decode --verify (issuer discovery)', () => {
  it('a token signed by another key: invalid signature, exit 3', async () => {
    const foreign = makeBoundToken({ key: newKey('rsa'), issuedAt: k.clock.now() });
    const r = await satoken(['decode', foreign, '--verify']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^Signature: +invalid: unknown kid ".+": the issuer publishes \d+ other keys?/m);
    expect(r.stdout).toMatch(/ERROR +signature-invalid/);
  });

  it('a token from another issuer: the cluster\'s issuer is expected', async () => {
    const other = makeBoundToken({ issuer: 'https://old-cluster.example', issuedAt: k.clock.now() });
    const r = await satoken(['decode', other, '--verify', '-o', 'json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).findings.map((f: { id: string }) => f.id)).toEqual(['signature-invalid', 'issuer-mismatch']);
  });

  it('a token the cluster issued, two hours later on the emulated clock: expired, exit 3', async () => {
    const r0 = await k.adminRequest('POST', `/api/v1/namespaces/${NS}/serviceaccounts/app/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 3600 },
    });
    const token: string = r0.body.status.token;
    const fresh = await satoken(['decode', token, '--verify']);
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toMatch(/^Signature: +verified: signature matches key "/m);
    k.clock.advance(2 * 3600);
    const r = await satoken(['decode', token, '--verify', '-o', 'json']);
    expect(r.code).toBe(3);
    const j = JSON.parse(r.stdout);
    expect(j.verification.status).toBe('verified');
    expect(j.findings.map((f: { id: string }) => f.id)).toEqual(['token-expired']);
    // The TokenRequest's own expiry; the emulated clock keeps ticking in real time, so about -3600 s.
    expect(j.token.expiresAt).toBe(r0.body.status.expirationTimestamp);
    expect(j.token.expiresInSeconds).toBeLessThanOrEqual(-3600);
    expect(j.token.expiresInSeconds).toBeGreaterThan(-3660);
  });
});
