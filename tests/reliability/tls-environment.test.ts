/**
 * TLS verification is the kubeconfig's and the flags' to decide: NODE_TLS_REJECT_UNAUTHORIZED=0 in
 * the environment (which Node obeys for any connection that leaves rejectUnauthorized unset) must not
 * turn it off. kubectl reads no such variable: against a server whose certificate the kubeconfig's
 * CA did not sign it answers "certificate signed by unknown authority", and so must the plugin, before
 * any request (and so any bearer token) reaches the impostor.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
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
  // Nor does Node's warning that connections are insecure appear: they are not.
  expect(r.stderr).not.toMatch(/NODE_TLS_REJECT_UNAUTHORIZED/);
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

test('the exec WebSocket too: a server that turns impostor after the pod is read gets no upgrade, no token', async () => {
  // A real server (ca.crt) answers GET pod and closes the connection; from then on it presents a
  // self-signed certificate, so the exec WebSocket's own TLS handshake meets the impostor.
  const upgrades: Array<Record<string, string | string[] | undefined>> = [];
  const sockets = new Set<Duplex>();
  const server = https.createServer({ key: pem('server.key'), cert: pem('server.crt') }, (req, res) => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'shop' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } };
    res.writeHead(200, { 'Content-Type': 'application/json', Connection: 'close' });
    res.end(JSON.stringify(pod));
    server.setSecureContext({ key: pem('impostor.key'), cert: pem('impostor.crt') });
  });
  server.on('upgrade', (req, socket: Duplex) => {
    upgrades.push(req.headers);
    socket.destroy();
  });
  server.on('secureConnection', (s: Duplex) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const config = writeKubeconfig(url, pem('ca.crt'), 'secret-bearer-token', 'shop');
    const r = await runBundle(['decode', '--pod', 'web', '--request-timeout', '5s'], { env: { KUBECONFIG: config, NODE_TLS_REJECT_UNAUTHORIZED: '0' } });
    expect(upgrades).toEqual([]);
    expect(oneCleanErrorLine(r)).toBe('one error line');
    expect(r.stderr).toMatch(/^error: cannot reach https:\/\/127\.0\.0\.1:\d+: certificate signed by unknown authority$/m);
    expect(r.code).toBe(1);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}, 30_000);
