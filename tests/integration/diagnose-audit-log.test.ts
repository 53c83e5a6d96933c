/**
 * diagnose --audit-log: a right the app lacks is a finding only when it is needed — named with
 * --can, or seen refused to the pod's own requests in the API server's audit log. The emulator's
 * demo apps make their requests through it, so diag-forbidden's app leaves 403s in the log.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { start, type Emulator } from '../apiserver';
import { findKubectl } from '../support/kubectl';
import { diagnoseJson, podIn } from './diagnose-support';

const sh = promisify(execFile);
let k: Emulator;
let dir: string;
let log: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'satoken-audit-diag-'));
  log = path.join(dir, 'audit.log');
  k = await start({ scenarios: 'demo', auditLogPath: log });
}, 60_000);
afterAll(async () => {
  await k?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('without --can or a log, a ServiceAccount without rights is healthy; with the log, its refused requests fail rbac', async () => {
  const ns = 'diag-forbidden';
  const pod = podIn(k, ns);
  const plain = await diagnoseJson(k, [pod, '-n', ns]);
  expect(plain.result.status).toBe('healthy');

  const seen = await diagnoseJson(k, [pod, '-n', ns, '--audit-log', log]);
  expect(seen.result.status).toBe('failing');
  expect(seen.result.rootCause.check).toBe('rbac');
  expect(seen.result.rootCause.message).toMatch(/the pod's own requests were refused \(get pods in diag-forbidden.*audit log\)/);
  const rbac = seen.result.checks.find((c: any) => c.id === 'rbac');
  expect(rbac.evidence.join('\n')).toMatch(/get pods in diag-forbidden: denied.*the audit log shows \d+ refused/);
  expect(seen.result.fix).toContain('kubectl create role app-get-pods --verb=get --resource=pods -n diag-forbidden');
  expect(seen.code).toBe(3);
});

// The app traffic of the scenario's set-up reaches the server after the set-up's last clock advance,
// but each request is judged and audited as of the time it was made (tests/apiserver/audit/traffic.ts),
// so an app that re-reads its token shows fresh tokens in the log, as on a real cluster.
test('a pod whose own requests were never refused, and whose app re-reads its token, is healthy with the log', async () => {
  const ns = 'diag-healthy';
  const r = await diagnoseJson(k, [podIn(k, ns), '-n', ns, '--audit-log', log]);
  const check = (id: string) => r.result.checks.find((c: any) => c.id === id);
  expect(check('rbac').status).toBe('pass');
  expect(check('app-token-reload')).toMatchObject({ status: 'pass' });
  expect(r.result.status).toBe('healthy');
  expect(r.code).toBe(0);
});

test('another pod\'s refusals (user.extra names another pod) are not this pod\'s', async () => {
  const ns = 'diag-healthy';
  const pod = podIn(k, ns);
  const other = path.join(dir, 'other.log');
  const event = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    verb: 'delete',
    objectRef: { resource: 'secrets', namespace: ns, apiVersion: 'v1' },
    user: { username: `system:serviceaccount:${ns}:app`, extra: { 'authentication.kubernetes.io/pod-name': ['someone-else'] } },
    responseStatus: { code: 403 },
    requestReceivedTimestamp: '2026-11-28T10:00:00.000000Z',
  };
  writeFileSync(other, `${JSON.stringify(event)}\nnot json\n${JSON.stringify({ ...event, user: { ...event.user, extra: { 'authentication.kubernetes.io/pod-name': [pod] } } })}\n`);
  const r = await diagnoseJson(k, [pod, '-n', ns, '--audit-log', other]);
  const rbac = r.result.checks.find((c: any) => c.id === 'rbac');
  expect(rbac.status).toBe('fail');
  expect(rbac.evidence.join('\n')).toMatch(/delete secrets in diag-healthy: denied.*the audit log shows 1 refused/);
});

test('--audit-log with a scan is a usage error; an unreadable log is named in the evidence', async () => {
  const scan = await diagnoseJson(k, ['-n', 'diag-healthy', '--audit-log', log]).catch((e: Error) => e);
  expect(String(scan)).toMatch(/--audit-log needs a POD/);
  const ns = 'diag-healthy';
  const r = await diagnoseJson(k, [podIn(k, ns), '-n', ns, '--audit-log', path.join(dir, 'missing.log')]);
  const rbac = r.result.checks.find((c: any) => c.id === 'rbac');
  expect(rbac.evidence.join('\n')).toMatch(/audit log: could not fetch: the audit log could not be read: .*ENOENT/);
});

(findKubectl() ? test : test.skip)('the printed grant, run with kubectl, makes rbac pass in the next diagnosis (same log): the refusals are history', async () => {
  const ns = 'diag-forbidden';
  const pod = podIn(k, ns);
  const before = await diagnoseJson(k, [pod, '-n', ns, '--audit-log', log]);
  // rbac's own fix (the grant): see the note above on the emulator's audit traffic.
  for (const command of before.result.checks.find((c: any) => c.id === 'rbac').fix as string[]) {
    await sh('/bin/sh', ['-c', command], { env: { PATH: process.env.PATH ?? '', KUBECONFIG: k.kubeconfigPath, HOME: dir }, timeout: 30_000 });
  }
  const after = await diagnoseJson(k, [pod, '-n', ns, '--audit-log', log]);
  expect(after.result.checks.find((c: any) => c.id === 'rbac').status).toBe('pass');
  expect(after.result.rootCause?.check).not.toBe('rbac');
});
