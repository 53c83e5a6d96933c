/**
 * Plain HTTPS requests to the real cluster (as its admin, or with only a bearer token), with the
 * response headers, and reading the lines kube-apiserver's audit log backend wrote after a point.
 * For tests that compare the real answer (Warning headers, audit events) with the emulator's.
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import https from 'node:https';

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

/** A request to the cluster the kubeconfig (the launcher's admin one, inline data) names. */
export function realRequest(kubeconfig: string, method: string, p: string, o: RealRequestOptions = {}): Promise<RealResponse> {
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
