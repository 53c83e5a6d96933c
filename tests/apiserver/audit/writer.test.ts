/**
 * The emulator's audit log against kube-apiserver's log backend at level Metadata with RequestReceived
 * omitted: field order and presence, stages (ResponseComplete; a refused token's single
 * ResponseStarted; a watch's two events), user / impersonatedUser, sourceIPs, objectRef,
 * responseStatus, micro-time stamps, and the annotations exactly (see event.ts for the upstream files).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Emulator, start } from '../index';
import { appTraffic } from './traffic';
import { AUDIT_WORKLOADS } from '../scenarios/audit';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MICRO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
/** The keys of an Event in Go's struct order (audit/v1 types.go), as encoding/json writes them. */
const ORDER = ['kind', 'apiVersion', 'level', 'auditID', 'stage', 'requestURI', 'verb', 'user', 'impersonatedUser', 'sourceIPs', 'userAgent', 'objectRef', 'responseStatus', 'requestReceivedTimestamp', 'stageTimestamp', 'annotations'];

let k: Emulator;
let dir: string;
let logPath: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'audit-writer-'));
  logPath = path.join(dir, 'audit.log');
  k = await start({ scenarios: 'audit', auditLogPath: logPath });
  k.clock.advance(7200);
  await appTraffic(k.cluster)!.idle();
});
afterAll(async () => {
  await k.stop();
  rmSync(dir, { recursive: true, force: true });
});

function events(): any[] {
  k.cluster.auditLog!.flush();
  return readFileSync(logPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

function expectGoOrder(ev: Record<string, unknown>): void {
  const keys = Object.keys(ev);
  expect(keys).toEqual(ORDER.filter((k) => keys.includes(k)));
}

test('an admin list: one ResponseComplete event, every Metadata field as upstream writes it', async () => {
  await k.adminRequest('GET', '/api/v1/namespaces/default/pods?limit=3', undefined, { 'User-Agent': 'kubectl/v1.32.4 (linux/amd64) kubernetes/59526cd' });
  const ev = events().filter((e) => e.requestURI === '/api/v1/namespaces/default/pods?limit=3');
  expect(ev).toHaveLength(1);
  expectGoOrder(ev[0]);
  expect(ev[0]).toEqual({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: expect.stringMatching(UUID),
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/default/pods?limit=3',
    verb: 'list',
    // The certificate's fingerprint as its credential id (k8s.io/apiserver x509.go CommonNameUserConversion).
    user: { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'], extra: { 'authentication.kubernetes.io/credential-id': [expect.stringMatching(/^X509SHA256=[0-9a-f]{64}$/)] } },
    sourceIPs: ['127.0.0.1'],
    userAgent: 'kubectl/v1.32.4 (linux/amd64) kubernetes/59526cd',
    objectRef: { resource: 'pods', namespace: 'default', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 200 },
    requestReceivedTimestamp: expect.stringMatching(MICRO),
    stageTimestamp: expect.stringMatching(MICRO),
    // The privileged-group authorizer gives no reason.
    annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' },
  });
  expect(ev[0].stageTimestamp >= ev[0].requestReceivedTimestamp).toBe(true);
  // The emulated clock, not the wall clock.
  expect(Math.abs(Date.parse(ev[0].requestReceivedTimestamp) - k.clock.now().getTime())).toBeLessThan(60_000);
});

test('a stale bound token: user with extra (pod, node, credential id), the stale-token annotation exactly', () => {
  const ledger = events().filter((e) => e.user.username === 'system:serviceaccount:audit-payments:ledger');
  expect(ledger.length).toBeGreaterThan(0);
  const ev = ledger[0];
  expectGoOrder(ev);
  expect(Object.keys(ev.user.extra)).toEqual([
    'authentication.kubernetes.io/credential-id',
    'authentication.kubernetes.io/node-name',
    'authentication.kubernetes.io/node-uid',
    'authentication.kubernetes.io/pod-name',
    'authentication.kubernetes.io/pod-uid',
  ]);
  const pod = ev.user.extra['authentication.kubernetes.io/pod-name'][0];
  expect(ev.sourceIPs).toEqual([k.cluster.get('', 'pods', 'audit-payments', pod)!.status.podIP, '127.0.0.1']);
  expect(ev.userAgent).toBe('OpenAPI-Generator/11.0.0/python');
  const seconds = Number(/seconds after warning threshold: (\d+)$/.exec(ev.annotations['authentication.k8s.io/stale-token'])![1]);
  // The token was read at start-up and its warnafter is 3607 s later; the request came 7200 s after start.
  expect(seconds).toBeGreaterThanOrEqual(7200 - 3607);
  expect(seconds).toBeLessThan(7200 - 3607 + 60);
  expect(ev.annotations).toEqual({
    'authentication.k8s.io/stale-token': `subject: system:serviceaccount:audit-payments:ledger, seconds after warning threshold: ${seconds}`,
    'authorization.k8s.io/decision': 'allow',
    'authorization.k8s.io/reason': 'RBAC: allowed by RoleBinding "ledger-pod-reader/audit-payments" of Role "pod-reader" to ServiceAccount "ledger/audit-payments"',
  });
});

test('an auto-generated legacy token: no extra, the legacy annotations exactly', () => {
  const ev = events().find((e) => e.user.username === 'system:serviceaccount:audit-ci:deployer');
  expect(ev.user.extra).toBeUndefined();
  expect(ev.annotations).toEqual({
    'authentication.k8s.io/legacy-token': 'system:serviceaccount:audit-ci:deployer',
    'authentication.k8s.io/legacy-token-autogenerated-secret': 'deployer-token-7x2kq',
    'authorization.k8s.io/decision': 'allow',
    'authorization.k8s.io/reason': 'RBAC: allowed by RoleBinding "deployer-pod-reader/audit-ci" of Role "pod-reader" to ServiceAccount "deployer/audit-ci"',
  });
});

test('an invalidated legacy token: one ResponseStarted event, no user, 401 Status, and no annotation at all (as a real kube-apiserver logs it)', () => {
  const refused = events().filter((e) => e.responseStatus?.code === 401 && e.objectRef?.namespace === 'audit-legacy');
  const sent = appTraffic(k.cluster)!.sent.filter((s) => s.pod.startsWith('audit-legacy/'));
  expect(sent.length).toBeGreaterThan(0);
  expect(sent.every((s) => s.status === 401)).toBe(true);
  expect(refused).toHaveLength(sent.length);
  const ev = refused[0];
  expectGoOrder(ev);
  expect(ev.stage).toBe('ResponseStarted');
  expect(ev.user).toEqual({});
  expect(ev.verb).toMatch(/^(get|list)$/);
  expect(ev.objectRef).toMatchObject({ resource: 'pods', namespace: 'audit-legacy', apiVersion: 'v1' });
  // LogResponseObject copies the Unauthorized Status over the "Authentication failed, attempted: bearer" message.
  expect(ev.responseStatus).toEqual({ metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  // legacy.go annotates `legacy-token` and `legacy-token-invalidated`, but the token cache drops a
  // refusal's annotations (cached_token_authenticator.go); measured on a real kube-apiserver 1.36.3
  // (tests/real/differential-time.test.ts). No emulator-only annotation either.
  expect(ev.annotations).toBeUndefined();
});

test('healthy apps: their re-read tokens carry no token annotation', () => {
  const all = events();
  for (const w of AUDIT_WORKLOADS.filter((x) => x.problem === null)) {
    const mine = all.filter((e) => e.user.username === `system:serviceaccount:${w.namespace}:${w.serviceAccount}`);
    expect(mine.length).toBeGreaterThan(0);
    for (const e of mine) expect(Object.keys(e.annotations).filter((a) => a.startsWith('authentication.'))).toEqual([]);
  }
});

test('403: decision forbid with an empty reason, the Forbidden Status with details', async () => {
  const token = (await k.adminRequest('POST', '/api/v1/namespaces/audit-shop/serviceaccounts/storefront/token', { spec: {} })).body.status.token;
  const r = await k.request('GET', '/api/v1/namespaces/kube-system/secrets', { token, headers: { 'Audit-ID': '5b0e6c2e-1d0e-4f1a-9a5e-2f1c3e4d5a6b' } });
  expect(r.status).toBe(403);
  const ev = events().find((e) => e.auditID === '5b0e6c2e-1d0e-4f1a-9a5e-2f1c3e4d5a6b');
  expect(ev.stage).toBe('ResponseComplete');
  expect(ev.responseStatus).toEqual({ metadata: {}, status: 'Failure', message: r.body.message, reason: 'Forbidden', details: { kind: 'secrets' }, code: 403 });
  expect(ev.annotations).toEqual({ 'authorization.k8s.io/decision': 'forbid', 'authorization.k8s.io/reason': '' });
});

test('a watch: ResponseStarted then ResponseComplete with the same auditID', async () => {
  // timeoutSeconds=1: the server ends the watch after a second.
  await k.adminRequest('GET', '/api/v1/namespaces/audit-shop/configmaps?watch=true&timeoutSeconds=1', undefined, { 'Audit-ID': 'watch-1' });
  const ev = events().filter((e) => e.auditID === 'watch-1');
  expect(ev.map((e) => e.stage)).toEqual(['ResponseStarted', 'ResponseComplete']);
  expect(ev[0].verb).toBe('watch');
});

test('impersonation: user is the impersonator, impersonatedUser the one acted as; X-Forwarded-For first in sourceIPs', async () => {
  await k.adminRequest('GET', '/api/v1/namespaces/audit-shop/pods', undefined, {
    'Impersonate-User': 'system:serviceaccount:audit-shop:storefront',
    'X-Forwarded-For': '203.0.113.7, 10.0.0.1',
    'Audit-ID': 'impersonated-1',
  });
  const ev = events().find((e) => e.auditID === 'impersonated-1');
  expectGoOrder(ev);
  expect(ev.user.username).toBe('kubernetes-admin');
  expect(ev.impersonatedUser).toEqual({
    username: 'system:serviceaccount:audit-shop:storefront',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:audit-shop', 'system:authenticated'],
  });
  expect(ev.sourceIPs).toEqual(['203.0.113.7', '10.0.0.1', '127.0.0.1']);
});

test('the emulator control endpoints are not audited', async () => {
  await k.adminRequest('GET', '/_emulator/clock');
  expect(events().some((e) => e.requestURI.startsWith('/_emulator/'))).toBe(false);
});

test('every response echoes the Audit-ID: the client\'s when it sent one, else the one the log carries (WithAuditInit)', async () => {
  const mine = await k.adminRequest('GET', '/api/v1/namespaces/audit-shop/pods', undefined, { 'Audit-ID': 'echoed-1' });
  expect(mine.headers['audit-id']).toBe('echoed-1');
  const made = await k.adminRequest('GET', '/api/v1/namespaces/audit-shop/pods?limit=7');
  expect(made.headers['audit-id']).toMatch(UUID);
  expect(events().find((e) => e.requestURI === '/api/v1/namespaces/audit-shop/pods?limit=7').auditID).toBe(made.headers['audit-id']);
  const refused = await k.request('GET', '/api/v1/namespaces/audit-shop/pods', { token: 'not-a-jwt' });
  expect(refused.status).toBe(401);
  expect(refused.headers['audit-id']).toMatch(UUID);
});
