/**
 * test-auth against the emulator, through the cli as a user runs it: one case per verdict and per
 * upstream 401 reason. Each asserts the exit code, the verdict and reason, and the requests the API
 * server received (who made them, and what it answered).
 * Cases that move the emulated clock come last: the cli's own clock is the real one.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { start, type Emulator } from '../apiserver';
import { makeBoundToken, newKey } from '../support/tokens';
import { mintCommand } from '../../src/cli/commands/mint';
import { testAuthCommand } from '../../src/cli/commands/test-auth';
import { cli } from '../support/cli';

let k: Emulator;
let dir: string;
const NS = 'shop';
const ADMIN = 'kubernetes-admin';
/** Only mint and test-auth are wired, so another command's work in progress cannot break these tests. */
const WIRED = [mintCommand, testAuthCommand];
const sa = (name: string) => `system:serviceaccount:${NS}:${name}`;

async function admin(method: string, p: string, body?: unknown) {
  const r = await k.adminRequest(method, p, body, method === 'PATCH' ? { 'Content-Type': 'application/merge-patch+json' } : {});
  if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
const createSa = (name: string) => admin('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
const createPod = (name: string, serviceAccountName: string) =>
  admin('POST', `/api/v1/namespaces/${NS}/pods`, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { serviceAccountName, containers: [{ name: 'app', image: 'busybox' }] },
  });

/** A token minted through the cli (mint's bare-token output). */
async function mint(...args: string[]): Promise<string> {
  const r = await cli(['mint', ...args, '-n', NS], { kubeconfig: k.kubeconfigPath, commands: WIRED });
  if (r.code !== 0) throw new Error(`mint failed: ${r.stderr}`);
  return r.stdout;
}

/** The requests made since `mark`, as `METHOD path user status` (query strings kept). */
const since = (mark: number) => k.requests.slice(mark).map((r) => `${r.method} ${r.path} ${r.user || '-'} ${r.status}`);
/** test-auth sends its requests together (one round trip, issue 8): they arrive in any order. */
const sorted = (r: string[]) => [...r].sort();

/** The requests every test-auth run makes first, as the caller: issuer discovery, then the TokenReview. */
const DISCOVERY = [`GET /.well-known/openid-configuration ${ADMIN} 200`, `GET /openid/v1/jwks ${ADMIN} 200`];
const review = (status = 201) => `POST /apis/authentication.k8s.io/v1/tokenreviews ${ADMIN} ${status}`;
const asToken = (user: string, ssr: number, list: number) => [
  `POST /apis/authentication.k8s.io/v1/selfsubjectreviews ${user} ${ssr}`,
  `GET /api/v1/namespaces/${NS}/pods?limit=1 ${user} ${list}`,
];

beforeAll(async () => {
  k = await start({});
  dir = mkdtempSync(path.join(tmpdir(), 'test-auth-'));
  await admin('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  for (const name of ['app', 'reader', 'temp']) await createSa(name);
  await admin('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'pod-reader' },
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }],
  });
  await admin('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'reader-pods' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
    subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: NS }],
  });
  await createPod('web-0', 'app');
  await createPod('doomed', 'app');
});
afterAll(async () => {
  await k.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Case {
  name: string;
  /** Prepares the cluster and returns test-auth's arguments (after `test-auth`). */
  setup: () => Promise<string[]>;
  code: number;
  verdict: string;
  reason: RegExp;
  fix?: RegExp;
  /** The requests test-auth made (after setup), in any order. */
  requests: string[] | ((r: string[]) => void);
  kubeconfig?: () => string;
}

const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

const cases: Case[] = [
  {
    name: 'authenticated: a ServiceAccount allowed to list pods',
    setup: async () => ['-f', file('reader.jwt', await mint('reader'))],
    code: 0,
    verdict: 'authenticated',
    reason: /^the token authenticates as system:serviceaccount:shop:reader; it may list pods in namespace shop$/,
    requests: [...DISCOVERY, review(), ...asToken(sa('reader'), 201, 200)],
  },
  {
    name: 'forbidden: authenticated, but RBAC refuses list pods — with the RoleBinding that fixes it',
    setup: async () => ['-f', file('app.jwt', await mint('app'))],
    code: 3,
    verdict: 'forbidden',
    reason: /authenticates as system:serviceaccount:shop:app, but RBAC refuses: list pods in namespace shop/,
    fix: /^kubectl create role app-list-pods --verb=list --resource=pods -n shop && kubectl create rolebinding app-list-pods --role=app-list-pods --serviceaccount=shop:app -n shop$/,
    requests: [...DISCOVERY, review(), ...asToken(sa('app'), 201, 403)],
  },
  {
    name: 'forbidden via --can: the access reviews decide, as the token',
    setup: async () => ['-f', file('reader2.jwt', await mint('reader')), '--can', 'list', 'pods', '--can', 'get', 'secrets'],
    code: 3,
    verdict: 'forbidden',
    reason: /RBAC refuses: get secrets in namespace shop/,
    fix: /kubectl create role reader-get-secrets --verb=get --resource=secrets -n shop/,
    requests: [
      ...DISCOVERY,
      review(),
      ...asToken(sa('reader'), 201, 200),
      `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews ${sa('reader')} 201`,
      `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews ${sa('reader')} 201`,
    ],
  },
  {
    name: 'the token mounted in a pod (read over exec)',
    setup: async () => ['--pod', 'web-0', '-n', NS],
    code: 3,
    verdict: 'forbidden',
    reason: /authenticates as system:serviceaccount:shop:app/,
    requests: (r) => {
      expect(r[0]).toBe(`GET /api/v1/namespaces/${NS}/pods/web-0 ${ADMIN} 200`);
      expect(r[1]).toMatch(new RegExp(`^GET /api/v1/namespaces/${NS}/pods/web-0/exec\\?.*command=sh&command=-c&command=stat%20.*%3B%20cat%20.* ${ADMIN} 101$`));
      expect(sorted(r.slice(2))).toEqual(sorted([...DISCOVERY, review(), ...asToken(sa('app'), 201, 403)]));
    },
  },
  {
    name: 'unauthenticated: the pod the token was bound to is deleted',
    setup: async () => {
      const token = await mint('app', '--bound-object-kind', 'Pod', '--bound-object-name', 'doomed');
      await admin('DELETE', `/api/v1/namespaces/${NS}/pods/doomed`);
      return ['-f', file('doomed.jwt', token)];
    },
    code: 3,
    verdict: 'unauthenticated',
    reason: /^the API server refuses the token: \[invalid bearer token, service account token has been invalidated\]$/,
    fix: /Pod doomed the token was bound to no longer exists/,
    requests: [...DISCOVERY, review(), ...asToken('-', 401, 401)],
  },
  {
    name: 'unauthenticated: the ServiceAccount was deleted and recreated (uid mismatch)',
    setup: async () => {
      const token = await mint('temp');
      await admin('DELETE', `/api/v1/namespaces/${NS}/serviceaccounts/temp`);
      await createSa('temp');
      return ['-f', file('temp.jwt', token)];
    },
    code: 3,
    verdict: 'unauthenticated',
    reason: /^the API server refuses the token: \[invalid bearer token, service account UID \([0-9a-f-]+\) does not match claim \([0-9a-f-]+\)\]$/,
    fix: /ServiceAccount shop\/temp was deleted and recreated/,
    requests: [...DISCOVERY, review(), ...asToken('-', 401, 401)],
  },
  {
    name: 'unauthenticated: a token for Vault tested as an API token (wrong audience)',
    setup: async () => ['-f', file('vault.jwt', await mint('reader', '--audience', 'vault'))],
    code: 3,
    verdict: 'unauthenticated',
    reason: /token audiences \["vault"\] is invalid for the target audiences \["https:\/\/kubernetes.default.svc.cluster.local"\]/,
    fix: /request one without --audience \(kubectl create token reader -n shop\)/,
    requests: [...DISCOVERY, review(), ...asToken('-', 401, 401)],
  },
  {
    name: 'authenticated for Vault with --audience vault, and plainly unable to call the Kubernetes API',
    setup: async () => ['-f', file('vault2.jwt', await mint('reader', '--audience', 'vault')), '--audience', 'vault'],
    code: 0,
    verdict: 'authenticated',
    reason: /authenticates for "vault", but the Kubernetes API answers it with 401/,
    requests: [...DISCOVERY, review(), ...asToken('-', 401, 401)],
  },
  {
    name: 'unauthenticated: another issuer (no authenticator claims it; the local finding says why)',
    setup: async () => {
      const uid = ((await admin('GET', `/api/v1/namespaces/${NS}/serviceaccounts/reader`)) as { metadata: { uid: string } }).metadata.uid;
      return ['-f', file('issuer.jwt', makeBoundToken({ issuer: 'https://other-cluster.example', namespace: NS, serviceAccount: { name: 'reader', uid }, boundTo: null, issuedAt: new Date() }))];
    },
    code: 3,
    verdict: 'unauthenticated',
    reason: /^the API server refuses the token \(invalid bearer token\); the token itself says why: issuer "https:\/\/other-cluster.example" is not one the API server accepts/,
    fix: /another cluster or from before an issuer change/,
    requests: [...DISCOVERY, review(), ...asToken('-', 401, 401)],
  },
  {
    name: 'unauthenticated: signed by a key the cluster does not have (unknown kid)',
    setup: async () => {
      const uid = ((await admin('GET', `/api/v1/namespaces/${NS}/serviceaccounts/reader`)) as { metadata: { uid: string } }).metadata.uid;
      return ['-f', file('foreign.jwt', makeBoundToken({ key: newKey(), namespace: NS, serviceAccount: { name: 'reader', uid }, boundTo: null, issuedAt: new Date() }))];
    },
    code: 3,
    verdict: 'unauthenticated',
    reason: /^the API server refuses the token: \[invalid bearer token, invalid signature, no keys found\]$/,
    fix: /signed by a key this cluster does not trust/,
    requests: [...DISCOVERY, review(), ...asToken('-', 401, 401)],
  },
  {
    name: 'unauthenticated: a real token whose payload was altered (bad signature)',
    setup: async () => {
      const [h, p, s] = (await mint('reader')).split('.');
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
      claims.exp += 86400;
      return ['-f', file('tampered.jwt', `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`)];
    },
    code: 3,
    verdict: 'unauthenticated',
    reason: /go-jose\/go-jose: error in cryptographic primitive/,
    fix: /signed by a key this cluster does not trust/,
    requests: [...DISCOVERY, review(), ...asToken('-', 401, 401)],
  },
  {
    name: 'unauthenticated: a legacy Secret token marked invalid by the cleaner',
    setup: async () => {
      await admin('POST', `/api/v1/namespaces/${NS}/secrets`, {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/service-account-token',
        metadata: { name: 'app-legacy', annotations: { 'kubernetes.io/service-account.name': 'app' } },
      });
      await admin('PATCH', `/api/v1/namespaces/${NS}/secrets/app-legacy`, { metadata: { labels: { 'kubernetes.io/legacy-token-invalid-since': '2026-01-01' } } });
      return ['--secret', 'app-legacy', '-n', NS];
    },
    code: 3,
    verdict: 'unauthenticated',
    reason: /the token in secret shop\/app-legacy for service account shop\/app has been marked invalid/,
    fix: /kubectl label secret app-legacy -n shop kubernetes.io\/legacy-token-invalid-since-/,
    requests: (r) => {
      expect(r[0]).toBe(`GET /api/v1/namespaces/${NS}/secrets/app-legacy ${ADMIN} 200`);
      expect(r.slice(1)).toEqual(expect.arrayContaining([...DISCOVERY, review()]));
    },
  },
  {
    name: 'TokenReview forbidden to the caller: skipped with the reason; the 401 explained as far as the token allows',
    setup: async () => ['-f', file('doomed.jwt', readFileSync(path.join(dir, 'doomed.jwt'), 'utf8')), '--as', 'jane'],
    code: 3,
    verdict: 'unauthenticated',
    reason: /^401 Unauthorized: the API server rejects the token and tells the client no reason/,
    requests: [
      'GET /.well-known/openid-configuration jane 403',
      'POST /apis/authentication.k8s.io/v1/tokenreviews jane 403',
      ...asToken('-', 401, 401),
    ],
  },
  {
    name: 'error: nothing listens at the server address (network)',
    kubeconfig: () => file('refused.kubeconfig', k.kubeconfig.replace(k.url, `https://127.0.0.1:${closedPort}`)),
    setup: async () => ['-f', path.join(dir, 'reader.jwt')],
    code: 1,
    verdict: 'error',
    reason: /^could not reach the API server at https:\/\/127.0.0.1:\d+: connection refused — a network problem, not a token problem$/,
    requests: [],
  },
  {
    name: 'error: the server certificate is not signed by the kubeconfig\'s CA (TLS)',
    kubeconfig: () => file('tls.kubeconfig', k.kubeconfig.replace(/certificate-authority-data: \S+/, `certificate-authority-data: ${Buffer.from(otherCa).toString('base64')}`)),
    setup: async () => ['-f', path.join(dir, 'reader.jwt')],
    code: 1,
    verdict: 'error',
    reason: /certificate signed by unknown authority — a TLS problem, not a token problem$/,
    requests: [],
  },
  {
    name: 'unauthenticated: expired (the emulated clock moved past exp + 60 s leeway)',
    setup: async () => {
      const token = await mint('reader', '--duration', '10m');
      k.clock.advance(10 * 60 + 61);
      return ['-f', file('expired.jwt', token)];
    },
    code: 3,
    verdict: 'unauthenticated',
    reason: /^the API server refuses the token: \[invalid bearer token, service account token has expired\]$/,
    fix: /mint a new token \(kubectl create token reader -n shop\)/,
    requests: [...DISCOVERY, review(), ...asToken('-', 401, 401)],
  },
];

let closedPort = 0;
let otherCa = '';
beforeAll(async () => {
  otherCa = readFileSync(path.join(__dirname, 'kube/certs/other-ca.crt'), 'utf8');
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  closedPort = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
});

describe.each(['json'])('test-auth against the emulator (-o %s)', (format) => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const args = await c.setup();
    const mark = k.requests.length;
    const r = await cli(['test-auth', ...args, '-o', format, '--request-timeout', '5s'], { kubeconfig: c.kubeconfig ? c.kubeconfig() : k.kubeconfigPath, commands: WIRED });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: c.code, stderr: '' });
    const result = JSON.parse(r.stdout);
    expect(result.kind).toBe('AuthTest');
    expect(result.verdict).toBe(c.verdict);
    expect(result.reason).toMatch(c.reason);
    if (c.fix) expect(result.fix).toMatch(c.fix);
    const got = since(mark);
    if (typeof c.requests === 'function') c.requests(got);
    else expect(sorted(got)).toEqual(sorted(c.requests));
    // The token under test never appears in the output.
    for (const t of args.filter((a) => a.endsWith('.jwt')).map((f) => readFileSync(f, 'utf8'))) {
      expect(r.stdout).not.toContain(t.split('.')[2]);
    }
  });
});
