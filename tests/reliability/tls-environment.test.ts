/**
 * TLS verification is the kubeconfig's and the flags' to decide: NODE_TLS_REJECT_UNAUTHORIZED=0 in
 * the environment (which Node obeys for any connection that leaves rejectUnauthorized unset) must not
 * turn it off. kubectl reads no such variable: against a server whose certificate the kubeconfig's
 * CA did not sign it answers "certificate signed by unknown authority", and so must the plugin, before
 * any request (and so any bearer token) reaches the impostor.
 */
import { pem, startFaultServer, json, writeKubeconfig, type FaultServer } from '../integration/kube/support/fault-server';
import { CLUSTER_COMMANDS } from './support/world';
import { oneCleanErrorLine, runBundle } from './support/spawn';

let impostor: FaultServer;
let kubeconfig: string;
let insecure: string;

beforeAll(async () => {
  impostor = await startFaultServer('server');
  impostor.handle = (_q, res) => json(res, 200, { kind: 'Status', apiVersion: 'v1', status: 'Success' });
  // The server's certificate is signed by ca.crt; the kubeconfig trusts only other-ca.crt.
  kubeconfig = writeKubeconfig(impostor.url, pem('other-ca.crt'), 'secret-bearer-token');
  const fs = await import('node:fs');
  const kc = JSON.parse(fs.readFileSync(kubeconfig, 'utf8'));
  kc.clusters[0].cluster = { server: impostor.url, 'insecure-skip-tls-verify': true };
  insecure = `${kubeconfig}.insecure`;
  fs.writeFileSync(insecure, JSON.stringify(kc));
});
afterAll(() => impostor?.stop());

const COMMANDS = { ...CLUSTER_COMMANDS, whoami: ['whoami'], 'diagnose -A': ['diagnose', '-A'] };

test.each(Object.entries(COMMANDS))('%s with NODE_TLS_REJECT_UNAUTHORIZED=0 still refuses an unknown authority and sends no token', async (_name, args) => {
  const before = impostor.requests.length;
  const r = await runBundle([...args, '--request-timeout', '5s'], { env: { KUBECONFIG: kubeconfig, NODE_TLS_REJECT_UNAUTHORIZED: '0' } });
  expect(oneCleanErrorLine(r)).toBe('one error line');
  expect(r.stderr).toMatch(/^error: cannot reach https:\/\/127\.0\.0\.1:\d+: certificate signed by unknown authority$/m);
  expect(r.code).toBe(1);
  const reached = impostor.requests.slice(before);
  expect(reached.filter((q) => q.headers.authorization)).toEqual([]);
  expect(reached).toEqual([]);
}, 30_000);

test('the kubeconfig can still turn verification off (insecure-skip-tls-verify), as kubectl allows', async () => {
  const before = impostor.requests.length;
  const r = await runBundle(['whoami', '--request-timeout', '5s'], { env: { KUBECONFIG: insecure } });
  // The impostor's answer is no SelfSubjectReview, but the request reached it: verification was off.
  expect(impostor.requests.length).toBeGreaterThan(before);
  expect(r.stderr).not.toMatch(/unknown authority/);
}, 30_000);
