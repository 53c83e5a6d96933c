/**
 * An HTTPS forwarder between the plugin and the real kube-apiserver, so a test can change an object
 * at an exact point of a run (after the plugin read it, before it writes) and let the real API server
 * judge the write. It serves with the apiserver's own serving certificate (signed by the cluster CA,
 * valid for 127.0.0.1), so the plugin uses the admin kubeconfig with only the port changed; it
 * forwards each request with the admin's client certificate and records what the server answered.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface Exchange {
  method: string;
  path: string;
  status: number;
}

export interface Interposer {
  /** A kubeconfig (and its `.env`, for withEnv) that points at the forwarder. */
  kubeconfig: string;
  exchanges: Exchange[];
  close(): Promise<void>;
}

/**
 * `before` runs ahead of forwarding each request (awaited): where the test changes the cluster.
 * `kubeconfig` is the admin kubeconfig (its `.env` beside it), `runDir` the launcher's run directory.
 */
export async function interpose(
  kubeconfig: string,
  runDir: string,
  work: string,
  before: (method: string, path: string) => Promise<void>,
): Promise<Interposer> {
  const kc = JSON.parse(readFileSync(kubeconfig, 'utf8'));
  const b64 = (s: string) => Buffer.from(s, 'base64');
  const upstream = new URL(kc.clusters[0].cluster.server);
  const ca = b64(kc.clusters[0].cluster['certificate-authority-data']);
  const cert = b64(kc.users[0].user['client-certificate-data']);
  const key = b64(kc.users[0].user['client-key-data']);
  const exchanges: Exchange[] = [];
  const server = https.createServer(
    { cert: readFileSync(path.join(runDir, 'pki/apiserver.crt')), key: readFileSync(path.join(runDir, 'pki/apiserver.key')) },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const method = req.method ?? 'GET';
        const p = req.url ?? '/';
        try {
          await before(method, p);
        } catch (e) {
          res.writeHead(599).end(String(e));
          return;
        }
        const headers = { ...req.headers, host: upstream.host };
        // kube-apiserver of the shared cluster restarts now and then (another file's reconfigure):
        // a refused connection sent nothing and is tried again, as is a read cut off; a write cut
        // off is not (it may have been done).
        const deadline = Date.now() + 90_000;
        const send = () => {
          const out = https.request({ host: upstream.hostname, port: upstream.port, path: p, method, headers, ca, cert, key, timeout: 60_000 }, (up) => {
            exchanges.push({ method, path: p, status: up.statusCode ?? 0 });
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          });
          out.on('error', (e: NodeJS.ErrnoException) => {
            const again = e.code === 'ECONNREFUSED' || (method === 'GET' && (e.code === 'ECONNRESET' || e.code === 'EPIPE'));
            if (again && Date.now() < deadline) setTimeout(send, 1000);
            else res.writeHead(502).end(String(e));
          });
          out.end(Buffer.concat(chunks));
        };
        send();
      });
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const file = path.join(work, `interposed-${port}`);
  kc.clusters[0].cluster.server = `https://127.0.0.1:${port}`;
  writeFileSync(file, JSON.stringify(kc), { mode: 0o600 });
  // The cluster's env file (kubectl on PATH), then this kubeconfig instead of the admin's.
  writeFileSync(`${file}.env`, `source '${kubeconfig}.env'\nexport KUBECONFIG='${file}'\n`, { mode: 0o600 });
  return {
    kubeconfig: file,
    exchanges,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
