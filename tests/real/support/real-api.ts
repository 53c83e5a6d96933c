/**
 * Plain HTTPS requests to the real cluster (as its admin, or with only a bearer token), with the
 * response headers, and reading the lines kube-apiserver's audit log backend wrote after a point.
 * For tests that compare the real answer (Warning headers, audit events) with the emulator's.
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { withEnv, type Run } from './cluster';

export interface RealResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

export interface RealRequestOptions {
  body?: unknown;
  /** Sent as `Authorization: Bearer …` with no client certificate; absent: the kubeconfig's admin certificate. */
  bearer?: string;
  headers?: Record<string, string>;
  /** Merge patches and the like. */
  contentType?: string;
}

/**
 * A request to the cluster the kubeconfig (the launcher's admin one, inline data) names. A refused
 * connection (the shared apiserver restarting with other flags) is tried again for up to `waitMs`: the
 * request never reached the server, so even a POST is safe to repeat.
 */
export async function realRequest(kubeconfig: string, method: string, p: string, o: RealRequestOptions = {}, waitMs = 90_000): Promise<RealResponse> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await realRequestOnce(kubeconfig, method, p, o);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ECONNREFUSED' || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

function realRequestOnce(kubeconfig: string, method: string, p: string, o: RealRequestOptions): Promise<RealResponse> {
  const kc = JSON.parse(readFileSync(kubeconfig, 'utf8'));
  const b64 = (s: string) => Buffer.from(s, 'base64');
  const u = new URL(p, kc.clusters[0].cluster.server);
  const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
  // No Accept unless asked: kube-apiserver answers 406 to `Accept: application/json` on /openid/v1/jwks.
  const headers: Record<string, string> = {
    ...(payload === undefined ? {} : { 'content-type': o.contentType ?? 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
    ...(o.bearer !== undefined ? { authorization: `Bearer ${o.bearer}` } : {}),
    ...(o.headers ?? {}),
  };
  const identity = o.bearer !== undefined ? {} : { cert: b64(kc.users[0].user['client-certificate-data']), key: b64(kc.users[0].user['client-key-data']) };
  return new Promise((resolve, reject) => {
    const req = https.request(u, { method, ca: b64(kc.clusters[0].cluster['certificate-authority-data']), ...identity, headers, timeout: 30_000, agent: false }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { data += c; });
      res.on('end', () => {
        let parsed: any = data;
        try { parsed = JSON.parse(data); } catch { /* text */ }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}

/** The audit log's size now: where a test's own lines begin. */
export function auditOffset(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * The audit events written since `offset` (all of them when the file is now shorter: rotated or
 * re-created by a restart). Bounded: at most `maxBytes` from the offset are read.
 */
export function auditEventsSince(file: string, offset: number, maxBytes = 256 << 20): any[] {
  const size = auditOffset(file);
  const from = size < offset ? 0 : offset;
  const length = Math.min(size - from, maxBytes);
  if (length <= 0) return [];
  const buf = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buf, got, length - got, from + got);
      if (n === 0) break;
      got += n;
    }
  } finally {
    closeSync(fd);
  }
  const out: any[] = [];
  for (const line of buf.toString('utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // A line cut at the read's end (the backend is still writing it).
    }
  }
  return out;
}

/**
 * The events of the requests with these Audit-IDs (kube-apiserver keeps a client's `Audit-ID` header
 * as the auditID, staging/src/k8s.io/apiserver/pkg/endpoints/filters/audit_init.go), polled until each
 * has an event with one of `endStages`, or the deadline.
 */
export async function auditEventsFor(file: string, offset: number, ids: string[], endStages = ['ResponseComplete', 'ResponseStarted'], waitMs = 30_000): Promise<Map<string, any[]>> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const byId = new Map<string, any[]>(ids.map((id) => [id, []]));
    for (const ev of auditEventsSince(file, offset)) byId.get(ev.auditID)?.push(ev);
    const done = [...byId.values()].every((evs) => evs.some((e) => endStages.includes(e.stage)));
    if (done || Date.now() > deadline) return byId;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** What kubectl prints while the shared cluster's apiserver restarts (another file changed its flags). */
const RESTARTING = /connection to the server .* was refused|connection reset by peer|unexpected EOF|TLS handshake timeout|the server is currently unable to handle the request/i;

/**
 * kubectlIn, tried again for up to `waitMs` while the apiserver is restarting (a few seconds of refused
 * connections when another test file reconfigures the shared cluster).
 */
export async function kubectlRetrying(kubeconfig: string, args: string[], input?: string, waitMs = 120_000): Promise<Run> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const r = await withEnv(kubeconfig, 'kubectl', args, input);
    if (r.code === 0) return r;
    if (!RESTARTING.test(r.stderr) || Date.now() > deadline) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 2000));
  }
}

/**
 * The audit log files that hold the events since `startMs` (when the log was `offset` bytes long): the
 * launcher moves the log to `<log>.prev` when the shared cluster restarts, so after a restart that file
 * holds the first part. In reading order.
 */
export function auditFilesSince(file: string, startMs: number): string[] {
  const prev = `${file}.prev`;
  try {
    if (statSync(prev).mtimeMs >= startMs) return [prev, file];
  } catch {
    // no restart
  }
  return [file];
}

/** The events written since `offset` of the log, across a restart of the shared cluster (auditFilesSince). */
export function auditEventsAcross(file: string, offset: number, startMs: number): any[] {
  const files = auditFilesSince(file, startMs);
  if (files.length === 1) return auditEventsSince(file, offset);
  return [...auditEventsSince(files[0]!, offset), ...auditEventsSince(file, 0)];
}

/**
 * A plain-HTTP relay on 127.0.0.1 to the real API server, for containers whose only client is busybox:
 * each request (method, path, headers — the container's own `Authorization` and `User-Agent` included)
 * is sent on unchanged over TLS, the cluster's CA verifying the server, and the answer sent back. The
 * relay adds no credential: the API server authenticates the container's token and nothing else.
 * Needed because Debian's busybox-static 1.35 `wget` speaks TLS only through its own TLS code, which
 * kube-apiserver refuses (`TLS error from peer (alert code 40): handshake failure`).
 */
export async function startTlsRelay(kubeconfig: string): Promise<{ url: string; close(): Promise<void> }> {
  const kc = JSON.parse(readFileSync(kubeconfig, 'utf8'));
  const upstream = new URL(kc.clusters[0].cluster.server);
  const ca = Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64');
  const server = http.createServer((req, res) => {
    const headers = { ...req.headers, host: upstream.host };
    const out = https.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, ca, agent: false, timeout: 30_000 }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on('timeout', () => out.destroy(new Error('timeout')));
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as import('node:net').AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
