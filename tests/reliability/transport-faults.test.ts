/**
 * Failures below HTTP, staged with sockets of our own (tests/integration/kube/support/fault-server):
 * connection refused, a host name that does not resolve (.invalid), a certificate from an unknown
 * CA, a certificate for another host name, a rejected client certificate, truncated JSON, 429 with
 * Retry-After, and a server that accepts the connection and never says a word. Every subcommand
 * that talks to the cluster gives one `error:` line with the cause, exit 1, within the timeout.
 */
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { json, pem, startFaultServer, status, writeKubeconfig, type FaultServer } from '../integration/kube/support/fault-server';
import { CLUSTER_COMMANDS, errorLines, noCrash, timed } from './support/world';
import { LATE_MS } from '../support/late';

const servers: Array<{ close(): unknown }> = [];
/** Open sockets of our raw servers: destroyed first, or close() would wait for them forever. */
const sockets = new Set<net.Socket>();
afterAll(async () => {
  for (const s of sockets) s.destroy();
  for (const s of servers) await s.close();
});

async function listen(server: net.Server): Promise<number> {
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ close: () => new Promise((r) => server.close(r)) });
  return (server.address() as AddressInfo).port;
}

/** A kubeconfig per fault, built once. */
const configs: Record<string, string> = {};
let retryAfter: FaultServer;
let truncated: FaultServer;

beforeAll(async () => {
  const closed = net.createServer();
  const closedPort = await listen(closed);
  await new Promise((r) => closed.close(r)); // nothing listens there any more
  configs.refused = writeKubeconfig(`https://127.0.0.1:${closedPort}`, pem('ca.crt'));
  configs.dns = writeKubeconfig('https://apiserver.satoken-test.invalid:6443', pem('ca.crt'));

  const good = await startFaultServer('server');
  servers.push({ close: () => good.stop() });
  good.handle = (_q, res) => json(res, 200, {});
  configs['unknown CA'] = writeKubeconfig(good.url, pem('other-ca.crt'));

  const misnamed = await startFaultServer('misnamed');
  servers.push({ close: () => misnamed.stop() });
  configs['wrong host name'] = writeKubeconfig(misnamed.url, pem('ca.crt'));

  // Requires a client certificate signed by a CA the client's is not signed by: the handshake fails.
  const mtls = https.createServer({ key: pem('server.key'), cert: pem('server.crt'), requestCert: true, rejectUnauthorized: true, ca: pem('other-ca.crt') }, (_q, res) => res.end('{}'));
  const mtlsPort = await listen(mtls);
  configs['client certificate rejected'] = writeKubeconfig(`https://127.0.0.1:${mtlsPort}`, pem('ca.crt'));
  // …with a client certificate (the misnamed server's, signed by ca.crt) instead of a token.
  const fs = await import('node:fs');
  const kc = JSON.parse(fs.readFileSync(configs['client certificate rejected'], 'utf8'));
  kc.users[0].user = { 'client-certificate-data': Buffer.from(pem('misnamed.crt')).toString('base64'), 'client-key-data': Buffer.from(pem('misnamed.key')).toString('base64') };
  fs.writeFileSync(configs['client certificate rejected'], JSON.stringify(kc));

  configs['client certificate missing'] = writeKubeconfig(`https://127.0.0.1:${mtlsPort}`, pem('ca.crt'));

  // Accepts TCP connections and never speaks (not even TLS).
  const silent = net.createServer(() => {});
  configs['never answers'] = writeKubeconfig(`https://127.0.0.1:${await listen(silent)}`, pem('ca.crt'));

  truncated = await startFaultServer('server');
  servers.push({ close: () => truncated.stop() });
  truncated.handle = (_q, res) => {
    const body = '{"kind":"Secret","apiVersion":"v1","metadata":{"name":"app-le';
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };
  configs['truncated JSON'] = writeKubeconfig(truncated.url, pem('ca.crt'));

  retryAfter = await startFaultServer('server');
  servers.push({ close: () => retryAfter.stop() });
  retryAfter.handle = (_q, res) => json(res, 429, status(429, 'TooManyRequests', 'Too many requests, please try again later.'), { 'Retry-After': '1' });
  configs['429 with Retry-After'] = writeKubeconfig(retryAfter.url, pem('ca.crt'));
}, 30_000);

/** [fault, what the error line says] */
const FAULTS: Array<[string, RegExp]> = [
  ['refused', /^error: cannot reach https:\/\/127\.0\.0\.1:\d+: connection refused$/],
  ['dns', /^error: cannot reach https:\/\/apiserver\.satoken-test\.invalid:6443: no such host$/],
  ['unknown CA', /: certificate signed by unknown authority$/],
  ['wrong host name', /: certificate is valid for other\.example, kubernetes\.other, not 127\.0\.0\.1$/],
  // TLS 1.3: the server's alert often arrives after the handshake, as a reset; the hint names the certificate.
  ['client certificate rejected', /: connection reset$|: the server rejected the client certificate$/],
  ['client certificate missing', /: the server requires a client certificate$/],
  ['truncated JSON', /JSON|truncated|unexpected end/i],
  ['429 with Retry-After', /\(429\)|Too many requests/],
  ['never answers', /timed out after 1s/],
];

describe.each(FAULTS)('%s', (fault, says) => {
  test.each(Object.entries(CLUSTER_COMMANDS))('%s → exit 1, one error line naming the cause, within 2 s', async (_name, args) => {
    const r = await timed([...args, '--request-timeout', '1s'], { kubeconfig: configs[fault] });
    noCrash(r);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toHaveLength(1);
    expect(errorLines(r)[0]).toMatch(says);
    if (fault === 'client certificate rejected') expect(r.stderr).toMatch(/^hint: .*client certificate/m);
    expect(r.ms).toBeLessThan(1000 + LATE_MS);
  });
});

test('Retry-After is honoured between GET retries', async () => {
  const mark = retryAfter.requests.length;
  const times: number[] = [];
  const handle = retryAfter.handle;
  retryAfter.handle = (q, res, b) => {
    times.push(Date.now());
    handle(q, res, b);
  };
  const r = await timed([...CLUSTER_COMMANDS['decode --secret'], '--request-timeout', '3s'], { kubeconfig: configs['429 with Retry-After'] });
  retryAfter.handle = handle;
  expect(r.code).toBe(1);
  expect(retryAfter.requests.length - mark).toBeGreaterThanOrEqual(2);
  for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(950);
});
